/*
 * prodlike-client: the `prodlike` command's fast path. A run (up, plan, drift, ...) handed to a warm agent
 * costs the agent's work plus a few milliseconds here, not Node's start-up (~0.1 s of CPU). It sends the
 * whole command (arguments, folder, environment) over the agent's socket; the agent parses, runs and
 * renders it with the same code as the Node CLI and streams back stdout, stderr and the exit code.
 * Everything else, and every run the agent does not take, is the Node CLI: this program execs
 * `node <its folder>/main.mjs <arguments>`, so the output is the Node CLI's in every case.
 *
 * The socket's path is computed as electron/engine/state/data-dir.ts and electron/engine/agent/paths.ts
 * do (test/unit/cli/native-client.test.ts keeps the two in step); where they would disagree (a relative
 * or non-ASCII path), this program leaves the command to Node. Linux only (scripts/build.mjs).
 *
 * Answers from the agent are frames: one type byte, a 4-byte big-endian length, the payload.
 *   'o' stdout bytes   'e' stderr bytes   'x' the exit code (decimal)
 *   'f' not taken: run it in Node (only before anything else)
 *   'l' the run started (JSON): if the connection then ends without 'x', the agent died mid-run, and Node
 *       finds the run's result in the history or records it as failed (PRODLIKE_AGENT_LOST).
 *
 * On a terminal the agent draws the live progress lines as the Node CLI's log-update would, at the size
 * sent in the request (and in a `resize` message on SIGWINCH), and hides the cursor on stderr meanwhile.
 * This program watches stderr for the cursor's hide/show sequences and shows the cursor again on every
 * way out with it hidden: a second Ctrl-C, SIGTERM/SIGHUP/SIGQUIT, the agent gone mid-run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

static char **g_argv;
static int g_argc;
static char g_main[PATH_MAX + 16];

/* ---- the Node CLI ---- */

static void run_node(void) __attribute__((noreturn));
static void run_node(void) {
  const char *node = getenv("PRODLIKE_NODE");
  if (!node || !*node) node = "node";
  char **args = calloc((size_t)g_argc + 2, sizeof(char *));
  if (!args) _exit(1);
  args[0] = (char *)node;
  args[1] = g_main;
  for (int i = 1; i < g_argc; i++) args[i + 1] = g_argv[i];
  execvp(node, args);
  fprintf(stderr, "prodlike: cannot start %s: %s\n", node, strerror(errno));
  _exit(1);
}

/* ---- SHA-256 (the socket's name is a hash of the data folder) ---- */

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

/* The first 12 hex digits of the SHA-256 of `s`. */
static void sha256_hex12(const char *s, char out[13]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t n = strlen(s);
  unsigned char block[64];
  size_t i = 0;
  for (; i + 64 <= n; i += 64) sha256_block(h, (const unsigned char *)s + i);
  size_t rest = n - i;
  memset(block, 0, 64);
  memcpy(block, s + i, rest);
  block[rest] = 0x80;
  if (rest >= 56) {
    sha256_block(h, block);
    memset(block, 0, 64);
  }
  uint64_t bits = (uint64_t)n * 8;
  for (int j = 0; j < 8; j++) block[63 - j] = (unsigned char)(bits >> (8 * j));
  sha256_block(h, block);
  for (int j = 0; j < 6; j++) snprintf(out + 2 * j, 3, "%02x", (h[j / 4] >> (24 - 8 * (j % 4))) & 0xff);
  out[12] = 0;
}

/* ---- paths, as Node's path.resolve / path.join on absolute paths ---- */

/* Normalizes an absolute path in place ("." and ".." and repeated slashes; no trailing slash). */
static void normalize(char *p) {
  char *segs[PATH_MAX / 2];
  int n = 0;
  char *save = NULL;
  char copy[PATH_MAX];
  snprintf(copy, sizeof copy, "%s", p);
  for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
    if (!strcmp(s, ".")) continue;
    if (!strcmp(s, "..")) {
      if (n) n--;
      continue;
    }
    segs[n++] = s;
  }
  char out[PATH_MAX] = "";
  size_t len = 0;
  for (int i = 0; i < n; i++) len += (size_t)snprintf(out + len, sizeof out - len, "/%s", segs[i]);
  if (!n) strcpy(out, "/");
  strcpy(p, out);
}

/* `a` joined with `b`, normalized; 0 when the result would not be an absolute path this program can trust. */
static int join(char *out, size_t size, const char *a, const char *b) {
  if (a[0] != '/') return 0;
  if ((size_t)snprintf(out, size, "%s/%s", a, b) >= size) return 0;
  normalize(out);
  return 1;
}

static int ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 0;
  return 1;
}

static const char *env_nonempty(const char *k) {
  const char *v = getenv(k);
  return v && *v ? v : NULL;
}

/* electron/engine/state/data-dir.ts: defaultDataDir (Linux). */
static int data_dir(char *out, size_t size) {
  const char *d = env_nonempty("PRODLIKE_DATA_DIR");
  if (d) {
    if (d[0] == '/') return join(out, size, d, ".");
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return 0;
    return join(out, size, cwd, d);
  }
  const char *xdg = env_nonempty("XDG_DATA_HOME");
  if (xdg) return join(out, size, xdg, "prodlike");
  const char *home = env_nonempty("HOME");
  if (!home) {
    struct passwd *pw = getpwuid(getuid());
    if (!pw || !pw->pw_dir) return 0;
    home = pw->pw_dir;
  }
  return join(out, size, home, ".local/share/prodlike");
}

/* electron/engine/agent/paths.ts: agentPaths(...).socket. */
static int socket_path(char *out, size_t size) {
  char data[PATH_MAX], id[13], name[64], cand[3][PATH_MAX];
  if (!data_dir(data, sizeof data) || !ascii(data)) return 0;
  sha256_hex12(data, id);
  snprintf(name, sizeof name, "agent-%s.sock", id);
  int n = 0;
  const char *run = env_nonempty("XDG_RUNTIME_DIR");
  if (run && !join(cand[n++], PATH_MAX, run, "prodlike")) return 0;
  if (!join(cand[n++], PATH_MAX, data, "run")) return 0;
  const char *tmp = env_nonempty("TMPDIR");
  if (!tmp) tmp = env_nonempty("TMP");
  if (!tmp) tmp = env_nonempty("TEMP");
  if (!tmp) tmp = "/tmp";
  char uid[32];
  snprintf(uid, sizeof uid, "prodlike-%u", (unsigned)getuid());
  if (!join(cand[n++], PATH_MAX, tmp, uid)) return 0;
  for (int i = 0; i < n; i++) {
    char sock[PATH_MAX];
    if (!join(sock, sizeof sock, cand[i], name) || !ascii(sock)) return 0;
    if (strlen(sock) <= 100 || i == n - 1) {
      snprintf(out, size, "%s", sock);
      return 1;
    }
  }
  return 0;
}

/* ---- the request: one JSON line ---- */

static char *buf;
static size_t blen, bcap;

static void put(const char *s, size_t n) {
  if (blen + n + 1 > bcap) {
    bcap = (blen + n + 1) * 2;
    buf = realloc(buf, bcap);
    if (!buf) _exit(1);
  }
  memcpy(buf + blen, s, n);
  blen += n;
}
static void puts_(const char *s) { put(s, strlen(s)); }
static void put_str(const char *s, size_t n) {
  put("\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put(e, 2);
    } else if (c < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", c);
      put(e, 6);
    } else put((const char *)&c, 1);
  }
  put("\"", 1);
}

/* ---- talking to the agent ---- */

static volatile sig_atomic_t interrupted, resized, cursor_hidden;

static const char HIDE_CURSOR[] = "\033[?25l", SHOW_CURSOR[] = "\033[?25h";

/* The cursor as the agent left it, shown again if hidden (as the Node CLI's restore-cursor does at exit). */
static void restore_cursor(void) {
  if (!cursor_hidden) return;
  cursor_hidden = 0;
  ssize_t w = write(2, SHOW_CURSOR, sizeof SHOW_CURSOR - 1);
  (void)w;
}

/* Ends this client by `sig`, the cursor shown first. */
static void on_fatal(int sig) {
  restore_cursor();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void on_sigint(int sig) {
  if (interrupted) on_fatal(sig); /* a second Ctrl-C ends this client, as in the Node CLI */
  else interrupted = 1;
}

static void on_sigwinch(int sig) {
  (void)sig;
  resized = 1;
}

/* The last of the cursor's hide/show sequences in what the agent wrote to stderr, if any. */
static void watch_cursor(const char *p, size_t n) {
  const char *hide = NULL, *show = NULL;
  for (const char *q = p; (q = memmem(q, n - (size_t)(q - p), HIDE_CURSOR, sizeof HIDE_CURSOR - 1)); q++) hide = q;
  for (const char *q = p; (q = memmem(q, n - (size_t)(q - p), SHOW_CURSOR, sizeof SHOW_CURSOR - 1)); q++) show = q;
  if (hide || show) cursor_hidden = hide && (!show || hide > show);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w, n -= (size_t)w;
  }
  return 0;
}

static int truthy(const char *v) { return v && *v && strcmp(v, "0") && strcmp(v, "false"); }

static int run_command(const char *a) {
  static const char *const RUNS[] = {"plan", "up", "down", "destroy", "drift", "capture", "reconcile", "bake", "use", NULL};
  for (int i = 0; RUNS[i]; i++)
    if (!strcmp(a, RUNS[i])) return 1;
  return 0;
}

int main(int argc, char **argv) {
  g_argc = argc, g_argv = argv;
  char self[PATH_MAX];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  if (sl <= 0) {
    fprintf(stderr, "prodlike: cannot find the CLI next to this client\n");
    return 1;
  }
  self[sl] = 0;
  char *slash = strrchr(self, '/');
  *slash = 0;
  snprintf(g_main, sizeof g_main, "%s/main.mjs", self);

  char sock_path[PATH_MAX];
  if (getenv("PRODLIKE_CLIENT_PRINT_SOCKET")) {
    /* For the test that keeps this file and paths.ts in step. */
    if (!socket_path(sock_path, sizeof sock_path)) return 3;
    printf("%s\n", sock_path);
    return 0;
  }

  /* Only a run may go to the agent, and not when the user said no (the agent checks again, exactly). */
  if (truthy(getenv("PRODLIKE_NO_AGENT")) || getenv("PRODLIKE_AGENT_LOST")) run_node();
  int first = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--no-agent") || !strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "--version") || !strncmp(a, "--every", 7)) run_node();
    if (!first && a[0] != '-') first = i;
  }
  if (!first || !run_command(argv[first])) run_node();
  if (!socket_path(sock_path, sizeof sock_path) || strlen(sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) run_node();

  /* Our agent's socket: ours (paths.ts keeps its folder 0700), else Node decides. */
  struct stat st;
  if (lstat(sock_path, &st) || !S_ISSOCK(st.st_mode) || st.st_uid != getuid()) run_node();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, sock_path);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr)) run_node();

  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) run_node();
  puts_("{\"op\":\"cli\",\"argv\":[");
  for (int i = 1; i < argc; i++) {
    if (i > 1) put(",", 1);
    put_str(argv[i], strlen(argv[i]));
  }
  puts_("],\"cwd\":");
  put_str(cwd, strlen(cwd));
  puts_(",\"main\":");
  put_str(g_main, strlen(g_main));
  int tty = isatty(1);
  puts_(tty ? ",\"tty\":true" : ",\"tty\":false");
  puts_(isatty(2) ? ",\"stderrTty\":true" : ",\"stderrTty\":false");
  struct winsize ws;
  if (tty && !ioctl(1, TIOCGWINSZ, &ws)) {
    char size[64];
    snprintf(size, sizeof size, ",\"columns\":%u,\"rows\":%u", (unsigned)ws.ws_col, (unsigned)ws.ws_row);
    puts_(size);
  }
  puts_(",\"env\":{");
  int firstEnv = 1;
  for (char **e = environ; *e; e++) {
    char *eq = strchr(*e, '=');
    if (!eq || eq == *e) continue;
    if (!firstEnv) put(",", 1);
    firstEnv = 0;
    put_str(*e, (size_t)(eq - *e));
    put(":", 1);
    put_str(eq + 1, strlen(eq + 1));
  }
  puts_("}}\n");
  signal(SIGPIPE, SIG_IGN);
  if (write_all(fd, buf, blen)) run_node();

  struct sigaction sa = {0};
  sa.sa_handler = on_sigint; /* no SA_RESTART: read() returns, and the cancel (or the new size) goes out */
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_fatal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGQUIT, &sa, NULL);
  if (tty) {
    sa.sa_handler = on_sigwinch;
    sigaction(SIGWINCH, &sa, NULL);
  }

  /* Frames: read into `in`, handle each complete one. */
  size_t cap = 1 << 16, len = 0;
  unsigned char *in = malloc(cap);
  char *lost = NULL;
  int frames = 0, cancelled = 0;
  for (;;) {
    if (interrupted && !cancelled) {
      cancelled = 1;
      static const char cancel[] = "{\"op\":\"cancel\"}\n";
      write_all(fd, cancel, sizeof cancel - 1);
    }
    if (resized) {
      resized = 0;
      if (!ioctl(1, TIOCGWINSZ, &ws)) {
        char msg[96];
        int m = snprintf(msg, sizeof msg, "{\"op\":\"resize\",\"columns\":%u,\"rows\":%u}\n", (unsigned)ws.ws_col, (unsigned)ws.ws_row);
        write_all(fd, msg, (size_t)m);
      }
    }
    if (len == cap) {
      cap *= 2;
      in = realloc(in, cap);
      if (!in) return 1;
    }
    ssize_t r = read(fd, in + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    size_t off = 0;
    while (len - off >= 5) {
      uint32_t n = (uint32_t)in[off + 1] << 24 | (uint32_t)in[off + 2] << 16 | (uint32_t)in[off + 3] << 8 | in[off + 4];
      if (len - off - 5 < n) {
        if ((size_t)n + 5 > cap) {
          memmove(in, in + off, len - off);
          len -= off, off = 0;
          cap = (size_t)n + 5;
          in = realloc(in, cap);
          if (!in) return 1;
        }
        break;
      }
      const char type = (char)in[off];
      const char *p = (const char *)in + off + 5;
      frames++;
      if (type == 'o') write_all(1, p, n);
      else if (type == 'e') {
        watch_cursor(p, n);
        write_all(2, p, n);
      }
      else if (type == 'f' && frames == 1) {
        close(fd);
        run_node();
      } else if (type == 'l') {
        free(lost);
        lost = strndup(p, n);
      } else if (type == 'x') {
        char code[16] = "";
        memcpy(code, p, n < 15 ? n : 15);
        restore_cursor();
        return atoi(code);
      }
      off += 5 + n;
    }
    memmove(in, in + off, len - off);
    len -= off;
  }
  close(fd);
  restore_cursor();
  /* The agent went away without an exit code. Before it took the run: Node runs it. After: Node reports it. */
  if (!frames) run_node();
  if (lost) {
    setenv("PRODLIKE_AGENT_LOST", lost, 1);
    run_node();
  }
  fprintf(stderr, "prodlike: the Prodlike agent stopped during the command (killed or crashed)\n");
  return 1;
}
