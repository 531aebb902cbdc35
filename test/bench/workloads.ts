// The work both tools do: the same 20 resources as a Prodlike profile and as an Ansible playbook,
// the scale workload (N resources per SSH host), and the container profiles.

export interface SshTarget {
  name: string;
  port: number;
  identity: string;
}

const sshBlock = (t: SshTarget) => `    ssh:
      host: 127.0.0.1
      port: ${t.port}
      user: root
      identity: ${t.identity}
`;

/** 20 resources: apt-get update (guarded), 2 packages, 2 groups, a user, 4 directories, 5 files, 3 lines, 2 guarded commands. */
export const CONFIG_RESOURCES = `      - command: apt-get update -qq && touch /var/lib/pl-bench-apt-updated
        creates: /var/lib/pl-bench-apt-updated
      - package: tree
      - package: jq
      - group: plbench
      - group: plbench-ops
        gid: 4321
      - user: plbench
        groups: [plbench]
      - directory: /srv/plbench
        mode: "0755"
      - directory: /srv/plbench/conf
        mode: "0755"
      - directory: /srv/plbench/data
        owner: plbench
        mode: "0750"
      - directory: /srv/plbench/logs
        mode: "0750"
      - file: /srv/plbench/conf/app.conf
        content: |
          listen = 8000
          workers = 4
        mode: "0644"
      - file: /srv/plbench/conf/db.conf
        content: |
          host = db.internal
          port = 5432
        mode: "0640"
      - file: /srv/plbench/README
        content: |
          Managed by the benchmark.
        mode: "0644"
      - file: /etc/plbench.conf
        content: |
          enabled = true
        mode: "0600"
      - file: /srv/plbench/data/seed.txt
        content: |
          seed
        owner: plbench
        mode: "0640"
      - line: /etc/environment
        text: PLBENCH_ENV=bench
      - line: /etc/environment
        text: PLBENCH_REGION=eu-1
      - line: /etc/bash.bashrc
        text: export PLBENCH=1
      - command: echo built > /srv/plbench/data/built.txt
        creates: /srv/plbench/data/built.txt
      - command: touch /srv/plbench/logs/init.log
        unless: test -f /srv/plbench/logs/init.log
`;

export function configProfile(name: string, t: SshTarget): string {
  return `name: ${name}
machines:
  ${t.name}:
${sshBlock(t)}    resources:
${CONFIG_RESOURCES}`;
}

/** The same 20 resources as Ansible tasks (one task per resource, the modules a user would pick). */
export const PLAYBOOK = `- hosts: target
  gather_facts: false
  tasks:
    - name: apt-get update
      ansible.builtin.shell: apt-get update -qq && touch /var/lib/pl-bench-apt-updated
      args: { creates: /var/lib/pl-bench-apt-updated }
    - ansible.builtin.apt: { name: tree, state: present }
    - ansible.builtin.apt: { name: jq, state: present }
    - ansible.builtin.group: { name: plbench }
    - ansible.builtin.group: { name: plbench-ops, gid: 4321 }
    - ansible.builtin.user: { name: plbench, groups: [plbench], append: true }
    - ansible.builtin.file: { path: /srv/plbench, state: directory, mode: "0755" }
    - ansible.builtin.file: { path: /srv/plbench/conf, state: directory, mode: "0755" }
    - ansible.builtin.file: { path: /srv/plbench/data, state: directory, owner: plbench, mode: "0750" }
    - ansible.builtin.file: { path: /srv/plbench/logs, state: directory, mode: "0750" }
    - ansible.builtin.copy: { dest: /srv/plbench/conf/app.conf, content: "listen = 8000\\nworkers = 4\\n", mode: "0644" }
    - ansible.builtin.copy: { dest: /srv/plbench/conf/db.conf, content: "host = db.internal\\nport = 5432\\n", mode: "0640" }
    - ansible.builtin.copy: { dest: /srv/plbench/README, content: "Managed by the benchmark.\\n", mode: "0644" }
    - ansible.builtin.copy: { dest: /etc/plbench.conf, content: "enabled = true\\n", mode: "0600" }
    - ansible.builtin.copy: { dest: /srv/plbench/data/seed.txt, content: "seed\\n", owner: plbench, mode: "0640" }
    - ansible.builtin.lineinfile: { path: /etc/environment, line: PLBENCH_ENV=bench }
    - ansible.builtin.lineinfile: { path: /etc/environment, line: PLBENCH_REGION=eu-1 }
    - ansible.builtin.lineinfile: { path: /etc/bash.bashrc, line: export PLBENCH=1 }
    - ansible.builtin.shell: echo built > /srv/plbench/data/built.txt
      args: { creates: /srv/plbench/data/built.txt }
    - ansible.builtin.command: touch /srv/plbench/logs/init.log
      args: { creates: /srv/plbench/logs/init.log }
`;

export function ansibleCfg(dir: string, knownHosts: string): string {
  return `[defaults]
inventory = ${dir}/inventory.ini
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False
nocolor = True
local_tmp = ${dir}/ansible-local

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes
control_path_dir = ${dir}/cp
`;
}

export function inventory(port: number, identity: string): string {
  return `[target]
t ansible_host=127.0.0.1 ansible_port=${port} ansible_user=root ansible_ssh_private_key_file=${identity}
`;
}

/** N resources without packages: directories, files, lines, groups and users, in a fixed mix. */
export function scaleResources(n: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const slot = i % 10;
    const k = Math.floor(i / 10);
    if (slot === 0) out.push(`      - directory: /srv/scale/d${k}\n        mode: "0755"`);
    else if (slot <= 4) out.push(`      - file: /srv/scale/d${k}/f${slot}.conf\n        content: "key${slot} = value ${k}\\n"\n        mode: "0644"`);
    else if (slot <= 6) out.push(`      - line: /srv/scale/lines${k}.txt\n        text: line ${slot} of ${k}`);
    else if (slot === 7) out.push(`      - group: sg${k}`);
    else if (slot === 8) out.push(`      - user: su${k}\n        groups: [sg${k}]`);
    else out.push(`      - directory: /srv/scale/d${k}/sub\n        mode: "0750"`);
  }
  return out.join('\n') + '\n';
}

export function scaleProfile(name: string, hosts: SshTarget[], resources: number): string {
  return `name: ${name}
machines:
${hosts.map((h) => `  ${h.name}:\n${sshBlock(h)}    resources:\n${scaleResources(resources)}`).join('')}`;
}

/** A Docker profile of `machines` containers; each with `resources` resources (0 = none). */
export function containerProfile(name: string, machines: number, resources: number): string {
  const ms: string[] = [];
  for (let i = 1; i <= machines; i++) {
    ms.push(`  m${i}:
    docker:
      image: debian:bookworm
      command: [sleep, infinity]
${resources ? `    resources:\n${scaleResources(resources)}` : ''}`);
  }
  return `name: ${name}\nmachines:\n${ms.join('')}`;
}

export function composeFile(machines: number): string {
  const s: string[] = [];
  for (let i = 1; i <= machines; i++) {
    s.push(`  m${i}:
    image: debian:bookworm
    command: [sleep, infinity]
    init: true
    labels: { pl-bench: "1" }
`);
  }
  return `version: "2.4"\nservices:\n${s.join('')}`;
}
