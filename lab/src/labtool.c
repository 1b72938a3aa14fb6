/* labtool: the lab's workload and probe programs in one static binary (lab/README in the report).
 *
 *   labtool pepper KEEP_ONE_IN RESERVE_MIB READY      one-page pipes until MemFree < RESERVE_MIB, then close
 *                                                     all but one pipe in KEEP_ONE_IN; hold the rest
 *   labtool anon MIB CHUNK_KIB READY                  touch MIB of anonymous memory (MADV_NOHUGEPAGE) in
 *                                                     CHUNK_KIB chunks, then unmap every other chunk; hold
 *   labtool thp BYTES READY                           one MADV_HUGEPAGE mapping of BYTES (2 MiB aligned),
 *                                                     touched a page at a time; hold
 *   labtool hog NAME BYTES ADJ READY                  comm NAME, oom_score_adj ADJ, touch BYTES; hold
 *   labtool grow NAME STEP_BYTES ADJ READY            comm NAME, oom_score_adj ADJ, touch STEP_BYTES more
 *                                                     at a time until /proc/vmstat oom_kill moves; hold
 *
 * Every command creates the file READY when its memory is in place and then sleeps until killed, so the
 * init can snapshot /proc with the memory still held. Anonymous memory of the workloads is order-0
 * (MADV_NOHUGEPAGE): THP is "always" on the Debian kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define PAGE 4096UL
#define HPAGE (2UL << 20)

static void die(const char *what) {
  fprintf(stderr, "labtool: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void ready(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die(path);
  close(fd);
  for (;;) pause();
}

/* A field of /proc/meminfo ("MemFree") or /proc/vmstat ("oom_kill"), -1 when missing. */
static long proc_field(const char *file, const char *key) {
  char line[256];
  size_t n = strlen(key);
  long v = -1;
  FILE *f = fopen(file, "r");
  if (!f) die(file);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, n) == 0 && (line[n] == ':' || line[n] == ' ')) {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static void set_adj(const char *adj) {
  FILE *f = fopen("/proc/self/oom_score_adj", "w");
  if (!f || fprintf(f, "%s\n", adj) < 0 || fclose(f) != 0) die("oom_score_adj");
}

static void touch(char *p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += PAGE) p[off] = 1;
}

static char *map_anon(size_t bytes, int advice) {
  char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  if (madvise(p, bytes, advice) != 0) die("madvise");
  return p;
}

static int pepper(long keep, long reserve_mib, const char *path) {
  static char buf[PAGE];
  struct rlimit rl = {1 << 20, 1 << 20};
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("setrlimit");
  memset(buf, 0x5a, sizeof buf);
  size_t cap = 1 << 18, n = 0;
  int *fds = malloc(cap * sizeof *fds); /* read ends; the write ends are closed once written */
  if (!fds) die("malloc");
  for (;;) {
    if (n % 256 == 0 && proc_field("/proc/meminfo", "MemFree") < reserve_mib * 1024) break;
    if (n == cap) break;
    int p[2];
    if (pipe(p) != 0) die("pipe");
    if (fcntl(p[1], F_SETPIPE_SZ, (int)PAGE) < 0) die("F_SETPIPE_SZ");
    if (write(p[1], buf, PAGE) != (ssize_t)PAGE) die("write");
    close(p[1]);
    fds[n++] = p[0];
  }
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (i % (size_t)keep == 0) kept++;
    else close(fds[i]);
  }
  printf("labtool pepper: pipes=%zu kept=%zu\n", n, kept);
  fflush(stdout);
  ready(path);
  return 0;
}

static int anon(long mib, long chunk_kib, const char *path) {
  size_t chunk = (size_t)chunk_kib << 10, bytes = (size_t)mib << 20;
  char *p = map_anon(bytes, MADV_NOHUGEPAGE);
  touch(p, bytes);
  size_t freed = 0;
  for (size_t off = chunk; off + chunk <= bytes; off += 2 * chunk) {
    if (munmap(p + off, chunk) != 0) die("munmap");
    freed += chunk;
  }
  printf("labtool anon: touched=%zu freed=%zu\n", bytes, freed);
  fflush(stdout);
  ready(path);
  return 0;
}

static int thp(long bytes, const char *path) {
  /* Over-map by a huge page and trim, so the mapping starts on a 2 MiB boundary. */
  char *raw = mmap(NULL, (size_t)bytes + HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) die("mmap");
  char *p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
  if (madvise(p, (size_t)bytes, MADV_HUGEPAGE) != 0) die("madvise");
  touch(p, (size_t)bytes);
  printf("labtool thp: touched=%ld\n", bytes);
  fflush(stdout);
  ready(path);
  return 0;
}

static int hog(const char *name, long bytes, const char *adj, const char *path) {
  prctl(PR_SET_NAME, name);
  set_adj(adj);
  char *p = map_anon((size_t)bytes, MADV_NOHUGEPAGE);
  touch(p, (size_t)bytes);
  ready(path);
  return 0;
}

static int grow(const char *name, long step, const char *adj, const char *path) {
  prctl(PR_SET_NAME, name);
  set_adj(adj);
  long kills = proc_field("/proc/vmstat", "oom_kill");
  size_t total = 0;
  while (proc_field("/proc/vmstat", "oom_kill") == kills) {
    char *p = map_anon((size_t)step, MADV_NOHUGEPAGE);
    touch(p, (size_t)step);
    total += (size_t)step;
  }
  printf("labtool grow: grew=%zu\n", total);
  fflush(stdout);
  ready(path);
  return 0;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "";
  if (strcmp(cmd, "pepper") == 0 && argc == 5) return pepper(atol(argv[2]), atol(argv[3]), argv[4]);
  if (strcmp(cmd, "anon") == 0 && argc == 5) return anon(atol(argv[2]), atol(argv[3]), argv[4]);
  if (strcmp(cmd, "thp") == 0 && argc == 4) return thp(atol(argv[2]), argv[3]);
  if (strcmp(cmd, "hog") == 0 && argc == 6) return hog(argv[2], atol(argv[3]), argv[4], argv[5]);
  if (strcmp(cmd, "grow") == 0 && argc == 6) return grow(argv[2], atol(argv[3]), argv[4], argv[5]);
  fprintf(stderr, "usage: labtool pepper|anon|thp|hog|grow ... (see the source)\n");
  return 2;
}
