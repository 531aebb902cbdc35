import { ProdlikeError } from '../../errors.js';

/** QEMU missing or failing, an image that cannot be had, a VM that does not boot. */
export class VmError extends ProdlikeError {
  override name = 'VmError';
}
