// The unit tests' temporary files (profiles, state and data folders) in one folder per run, removed at its end (test-tmp.ts).
import { runTmp } from './test-tmp.js';

export default function setup(): () => void {
  return runTmp('unit');
}
