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
    # The primary group named: Prodlike's user gets the group of its name; Ansible's, with that group
    # already there and no group given, gets \`users\` (the end states would differ).
    - ansible.builtin.user: { name: plbench, group: plbench, groups: [plbench], append: true }
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
  // The settings Ansible's users run with: pipelining, ControlPersist, forks (its default is 5).
  return `[defaults]
inventory = ${dir}/inventory.ini
forks = 50
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False
nocolor = True
local_tmp = ${dir}/ansible-local

[ssh_connection]
pipelining = True
retries = 3
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

/** One resource of the fleet workload, written three ways below (profile, seed script, Ansible task). */
type FleetItem =
  | { kind: 'directory'; path: string; mode: string }
  | { kind: 'file'; path: string; content: string; mode: string }
  | { kind: 'line'; path: string; text: string }
  | { kind: 'group'; name: string }
  | { kind: 'user'; name: string; group: string };

/**
 * N resources for fleet host `h` (the scale mix: directories, files, lines, groups, users), each under
 * names of its own (/srv/fleet/<h>/…, g<k><h>, u<k><h>): the fleet's hosts share one container's file
 * system, and no two hosts may read the same thing. `{{ h }}` in the Ansible tasks is the same name.
 */
function fleetItems(n: number, h: string): FleetItem[] {
  const out: FleetItem[] = [];
  const root = `/srv/fleet/${h}`;
  for (let i = 0; out.length < n; i++) {
    const slot = i % 10;
    const k = Math.floor(i / 10);
    if (slot === 0) out.push({ kind: 'directory', path: `${root}/d${k}`, mode: '0755' });
    else if (slot <= 4) out.push({ kind: 'file', path: `${root}/d${k}/f${slot}.conf`, content: `key${slot} = value ${k}\n`, mode: '0644' });
    else if (slot <= 6) out.push({ kind: 'line', path: `${root}/lines${k}.txt`, text: `line ${slot} of ${k}` });
    else if (slot === 7) out.push({ kind: 'group', name: `g${k}${h}` });
    else if (slot === 8) out.push({ kind: 'user', name: `u${k}${h}`, group: `g${k}${h}` });
    else out.push({ kind: 'directory', path: `${root}/d${k}/sub`, mode: '0750' });
  }
  return out;
}

export interface FleetHost {
  name: string;
  address: string;
  port: number;
  identity: string;
}

export function fleetProfile(name: string, hosts: FleetHost[], resources: number): string {
  const machine = (h: FleetHost) => {
    const rs = fleetItems(resources, h.name).map((r) => {
      switch (r.kind) {
        case 'directory':
          return `      - directory: ${r.path}\n        mode: "${r.mode}"`;
        case 'file':
          return `      - file: ${r.path}\n        content: ${JSON.stringify(r.content)}\n        mode: "${r.mode}"`;
        case 'line':
          return `      - line: ${r.path}\n        text: ${r.text}`;
        case 'group':
          return `      - group: ${r.name}`;
        case 'user':
          return `      - user: ${r.name}\n        groups: [${r.group}]`;
      }
    });
    // connect_timeout: 100 handshakes on the 2 cores the hosts share with the CLI are slow, not lost.
    return `  ${h.name}:\n    ssh: { host: ${h.address}, port: ${h.port}, user: root, identity: ${h.identity}, connect_timeout: 60 }\n    resources:\n${rs.join('\n')}\n`;
  };
  return `name: ${name}\nrole: production\nmachines:\n${hosts.map(machine).join('')}`;
}

/**
 * A shell script that puts host `h` (the `index`th) in the state its resources describe (run once, as
 * root). Groups and users are appended to /etc/group, /etc/passwd and /etc/shadow directly: 500
 * useradd calls take minutes on a busy 2-core machine, the lines they would write take milliseconds.
 */
export function fleetSeed(h: string, index: number, resources: number): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = ['set -e'];
  let id = 20000 + index * 100;
  const gids = new Map<string, number>();
  for (const r of fleetItems(resources, h)) {
    if (r.kind === 'directory') lines.push(`mkdir -p ${q(r.path)} && chmod ${r.mode} ${q(r.path)}`);
    else if (r.kind === 'file') lines.push(`mkdir -p "$(dirname ${q(r.path)})" && printf '%s' ${q(r.content)} > ${q(r.path)} && chmod ${r.mode} ${q(r.path)}`);
    else if (r.kind === 'line') lines.push(`printf '%s\\n' ${q(r.text)} >> ${q(r.path)}`);
    else if (r.kind === 'group') gids.set(r.name, id++);
    else {
      const uid = id++;
      lines.push(`echo '${r.name}:x:${uid}:${uid}::/home/${r.name}:/bin/sh' >> /etc/passwd`, `echo '${r.name}:!:19000:0:99999:7:::' >> /etc/shadow`);
      lines.push(`echo '${r.name}:x:${uid}:' >> /etc/group`, `echo '${r.name}:!::' >> /etc/gshadow`, `mkdir -p /home/${r.name} && chown ${uid}:${uid} /home/${r.name}`);
      const g = gids.get(r.group)!;
      lines.push(`echo '${r.group}:x:${g}:${r.name}' >> /etc/group`, `echo '${r.group}:!::${r.name}' >> /etc/gshadow`);
      gids.delete(r.group);
    }
  }
  for (const [name, gid] of gids) lines.push(`echo '${name}:x:${gid}:' >> /etc/group`, `echo '${name}:!::' >> /etc/gshadow`);
  return lines.join('\n') + '\n';
}

/** The same checks as an Ansible play over every host of the inventory (`h` is each host's name). */
export function fleetPlaybook(resources: number): string {
  const tasks = fleetItems(resources, '{{ h }}').map((r) => {
    switch (r.kind) {
      case 'directory':
        return `    - ansible.builtin.file: { path: "${r.path}", state: directory, mode: "${r.mode}" }`;
      case 'file':
        return `    - ansible.builtin.copy: { dest: "${r.path}", content: ${JSON.stringify(r.content)}, mode: "${r.mode}" }`;
      case 'line':
        return `    - ansible.builtin.lineinfile: { path: "${r.path}", line: "${r.text}" }`;
      case 'group':
        return `    - ansible.builtin.group: { name: "${r.name}" }`;
      case 'user':
        return `    - ansible.builtin.user: { name: "${r.name}", groups: "${r.group}", append: true }`;
    }
  });
  return `- hosts: fleet\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`;
}

export function fleetInventory(hosts: FleetHost[]): string {
  return `[fleet]\n${hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${h.identity} h=${h.name}`).join('\n')}\n`;
}
