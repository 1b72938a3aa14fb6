/*
 * Native C baseline for the oomlab churn benchmark.
 *
 * Implements exactly the workload of docs/churn-benchmark.md:
 * a 2.6.11-style buddy allocator (orders 0..10, one LIFO free list per order,
 * zone_watermark_ok at the min mark) driven by a xorshift32 alloc/free churn.
 * Equal checksums with the WASM and reference engines prove identical
 * decisions, so the timings can be compared honestly.
 *
 * Build: cc -O2 -o bench/native/churn bench/native/churn.c
 * Run:   churn [--seed S] [--log2-pages L] [--ops N] [--chunk C]
 */
#define _POSIX_C_SOURCE 199309L

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ORDER 11 /* orders 0..10, as in 2.6.11 */
#define TOP_ORDER (MAX_ORDER - 1)
#define NIL (-1)
#define NOT_FREE (-1) /* free_order[] value for pages that are not a free block head */

/* ---------------------------------------------------------------- zone --- */

typedef struct {
  int32_t npages;
  int64_t min_mark;          /* floor(N / 100), no lowmem_reserve */
  int64_t free_pages;
  int64_t nr_free[MAX_ORDER];
  int32_t head[MAX_ORDER];   /* first pfn of each free list, NIL if empty */
  int32_t *next;             /* per-pfn list links, valid for free block heads */
  int32_t *prev;
  int8_t *free_order;        /* order if pfn heads a free block, else NOT_FREE */
} Zone;

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes);
  if (p == NULL) {
    fprintf(stderr, "churn: out of memory (%zu bytes)\n", bytes);
    exit(1);
  }
  return p;
}

/* Head insertion: the lists are LIFO (spec, "The zone"). */
static inline void list_push(Zone *z, int32_t pfn, int order) {
  int32_t old = z->head[order];
  z->next[pfn] = old;
  z->prev[pfn] = NIL;
  if (old != NIL) z->prev[old] = pfn;
  z->head[order] = pfn;
  z->free_order[pfn] = (int8_t)order;
  z->nr_free[order]++;
}

static inline void list_unlink(Zone *z, int32_t pfn, int order) {
  int32_t n = z->next[pfn];
  int32_t p = z->prev[pfn];
  if (p != NIL) z->next[p] = n; else z->head[order] = n;
  if (n != NIL) z->prev[n] = p;
  z->free_order[pfn] = NOT_FREE;
  z->nr_free[order]--;
}

static void zone_init(Zone *z, int log2_pages) {
  int32_t n = (int32_t)1 << log2_pages;
  z->npages = n;
  z->min_mark = n / 100;
  z->free_pages = n;
  for (int o = 0; o < MAX_ORDER; o++) {
    z->nr_free[o] = 0;
    z->head[o] = NIL;
  }
  z->next = xmalloc((size_t)n * sizeof *z->next);
  z->prev = xmalloc((size_t)n * sizeof *z->prev);
  z->free_order = xmalloc((size_t)n);
  memset(z->free_order, NOT_FREE, (size_t)n);
  /* Descending pushes leave pfn 0 at the head, then 1024, 2048, ... */
  for (int32_t pfn = n - (1 << TOP_ORDER); pfn >= 0; pfn -= 1 << TOP_ORDER)
    list_push(z, pfn, TOP_ORDER);
}

static void zone_destroy(Zone *z) {
  free(z->next);
  free(z->prev);
  free(z->free_order);
}

/* 2.6.11 zone_watermark_ok() at the min mark: higher-order requests must also
 * leave enough free memory in blocks of at least their order. */
static inline int watermark_ok(const Zone *z, int order) {
  int64_t min = z->min_mark;
  int64_t free_pages = z->free_pages - ((int64_t)1 << order) + 1;
  if (free_pages <= min) return 0;
  for (int o = 0; o < order; o++) {
    free_pages -= z->nr_free[o] << o;
    min >>= 1;
    if (free_pages <= min) return 0;
  }
  return 1;
}

/* Returns the pfn of a 2^order block, or -1 on failure. */
static inline int32_t zone_alloc(Zone *z, int order) {
  if (!watermark_ok(z, order)) return -1;
  int cur = order;
  while (cur < MAX_ORDER && z->head[cur] == NIL) cur++;
  if (cur == MAX_ORDER) return -1;
  int32_t pfn = z->head[cur];
  list_unlink(z, pfn, cur);
  /* Kernel expand(): keep the lowest half, return upper halves to the lists. */
  while (cur > order) {
    cur--;
    list_push(z, pfn + ((int32_t)1 << cur), cur);
  }
  z->free_pages -= (int64_t)1 << order;
  return pfn;
}

static inline void zone_free(Zone *z, int32_t pfn, int order) {
  z->free_pages += (int64_t)1 << order;
  while (order < TOP_ORDER) {
    int32_t buddy = pfn ^ ((int32_t)1 << order);
    if (z->free_order[buddy] != order) break;
    list_unlink(z, buddy, order);
    pfn &= ~((int32_t)1 << order);
    order++;
  }
  list_push(z, pfn, order);
}

/* ------------------------------------------------------------ workload --- */

typedef struct {
  Zone zone;
  uint32_t rng;
  uint32_t hash;
  uint64_t sum;
  uint64_t allocs, frees, fails, capfrees, noops;
  int32_t live_count;
  int64_t live_pages;
  int64_t cap;               /* floor(N * 60 / 100) */
  int32_t *live_pfn;
  int8_t *live_order;
} Workload;

static inline uint32_t rng_next(Workload *w) {
  uint32_t x = w->rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  w->rng = x;
  return x;
}

/* Skewed towards small orders, with a rare order-9 request (spec, pickOrder). */
static inline int pick_order(uint32_t r) {
  uint32_t p = r % 100;
  if (p < 70) return 0;
  if (p < 85) return 1;
  if (p < 93) return 2;
  if (p < 97) return 3;
  if (p < 99) return 4;
  return 9;
}

/* Returns 1 on success, 0 on failure. */
static inline int do_alloc(Workload *w, int order) {
  int32_t pfn = zone_alloc(&w->zone, order);
  /* FNV-style mix; a failure contributes pfn + 1 = 0. */
  w->hash = (w->hash ^ (uint32_t)(pfn + 1)) * 16777619u;
  if (pfn < 0) {
    w->fails++;
    return 0;
  }
  w->live_pfn[w->live_count] = pfn;
  w->live_order[w->live_count] = (int8_t)order;
  w->live_count++;
  w->live_pages += (int64_t)1 << order;
  w->sum += (uint64_t)pfn;
  w->allocs++;
  return 1;
}

/* Caller guarantees live_count > 0. */
static inline void do_free(Workload *w) {
  int32_t idx = (int32_t)(rng_next(w) % (uint32_t)w->live_count);
  int32_t pfn = w->live_pfn[idx];
  int order = w->live_order[idx];
  int32_t last = --w->live_count;
  w->live_pfn[idx] = w->live_pfn[last];
  w->live_order[idx] = w->live_order[last];
  w->live_pages -= (int64_t)1 << order;
  zone_free(&w->zone, pfn, order);
  w->frees++;
}

static void workload_init(Workload *w, int log2_pages, uint32_t seed) {
  memset(w, 0, sizeof *w);
  zone_init(&w->zone, log2_pages);
  w->rng = seed;
  w->hash = 2166136261u;
  w->cap = (int64_t)w->zone.npages * 60 / 100;
  /* Every block holds at least one page, so N entries always suffice. */
  w->live_pfn = xmalloc((size_t)w->zone.npages * sizeof *w->live_pfn);
  w->live_order = xmalloc((size_t)w->zone.npages);
}

static void workload_destroy(Workload *w) {
  zone_destroy(&w->zone);
  free(w->live_pfn);
  free(w->live_order);
}

/* Untimed, but part of the checksum. */
static void prefill(Workload *w) {
  while (w->live_pages < w->zone.npages / 2) {
    if (!do_alloc(w, pick_order(rng_next(w)))) break;
  }
}

static void churn(Workload *w, uint64_t ops) {
  for (uint64_t i = 0; i < ops; i++) {
    uint32_t r = rng_next(w);
    if (r < 0x80000000u) {
      int order = pick_order(rng_next(w));
      if (w->live_pages + ((int64_t)1 << order) > w->cap) {
        if (w->live_count > 0) {
          do_free(w);
          w->capfrees++;
        } else {
          w->noops++;
        }
      } else {
        do_alloc(w, order);
      }
    } else if (w->live_count > 0) {
      do_free(w);
    } else {
      w->noops++;
    }
  }
}

static void format_checksum(const Workload *w, char *buf, size_t size) {
  const Zone *z = &w->zone;
  int n = snprintf(buf, size,
      "sum=%" PRIu64 ";hash=%" PRIu32 ";alloc=%" PRIu64 ";free=%" PRIu64
      ";fail=%" PRIu64 ";capfree=%" PRIu64 ";noop=%" PRIu64 ";live=%" PRId32
      ";live_pages=%" PRId64 ";free_pages=%" PRId64 ";nr_free=",
      w->sum, w->hash, w->allocs, w->frees, w->fails, w->capfrees, w->noops,
      w->live_count, w->live_pages, z->free_pages);
  for (int o = 0; o < MAX_ORDER && n > 0 && (size_t)n < size; o++)
    n += snprintf(buf + n, size - (size_t)n, o ? ",%" PRId64 : "%" PRId64, z->nr_free[o]);
}

/* Frees every live block; the zone must coalesce back into N/1024 order-10
 * blocks (spec, "The checksum"), which catches a broken buddy test. */
static int drain_and_check(Workload *w) {
  while (w->live_count > 0) {
    int32_t last = --w->live_count;
    zone_free(&w->zone, w->live_pfn[last], w->live_order[last]);
  }
  const Zone *z = &w->zone;
  if (z->free_pages != z->npages) return 0;
  for (int o = 0; o < TOP_ORDER; o++)
    if (z->nr_free[o] != 0) return 0;
  return z->nr_free[TOP_ORDER] == z->npages >> TOP_ORDER;
}

/* ---------------------------------------------------------------- main --- */

typedef struct {
  uint32_t seed;
  int log2_pages;
  uint64_t ops;
  uint64_t chunk;
} Options;

static void usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "churn: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
  fprintf(stderr,
      "usage: churn [--seed S] [--log2-pages L] [--ops N] [--chunk C]\n"
      "  --seed S        xorshift32 seed, decimal or 0x hex, nonzero (default 0x12345678)\n"
      "  --log2-pages L  zone of 2^L pages, 10..28 (default 20)\n"
      "  --ops N         timed churn operations, >= 1 (default 10000000)\n"
      "  --chunk C       operations per churn() call, >= 1 (default 100000)\n");
  exit(2);
}

/* Strict unsigned parse: decimal, or hex with a 0x prefix; no sign, no junk. */
static int parse_u64(const char *s, uint64_t *out) {
  int base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ') return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, base);
  if (errno != 0 || *end != '\0') return 0;
  *out = v;
  return 1;
}

static uint64_t parse_ranged(const char *flag, const char *s, uint64_t lo, uint64_t hi) {
  uint64_t v;
  if (!parse_u64(s, &v) || v < lo || v > hi) {
    char msg[128];
    snprintf(msg, sizeof msg, "bad value for %s (expected %" PRIu64 "..%" PRIu64 ")", flag, lo, hi);
    usage_error(msg, s);
  }
  return v;
}

static Options parse_args(int argc, char **argv) {
  Options opt = { 0x12345678u, 20, 10000000u, 100000u };
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i];
    if (i + 1 >= argc) usage_error("missing value or unknown argument", flag);
    const char *val = argv[++i];
    /* Seed 0 is excluded: it is the fixed point of xorshift32. */
    if (strcmp(flag, "--seed") == 0) opt.seed = (uint32_t)parse_ranged(flag, val, 1, UINT32_MAX);
    else if (strcmp(flag, "--log2-pages") == 0) opt.log2_pages = (int)parse_ranged(flag, val, 10, 28);
    else if (strcmp(flag, "--ops") == 0) opt.ops = parse_ranged(flag, val, 1, UINT64_MAX / 2);
    else if (strcmp(flag, "--chunk") == 0) opt.chunk = parse_ranged(flag, val, 1, UINT64_MAX / 2);
    else usage_error("unknown argument", flag);
  }
  return opt;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Runs the churn in chunks to mirror the WASM engine's call pattern; in C the
 * per-call overhead is negligible either way. */
static double timed_churn(Workload *w, uint64_t ops, uint64_t chunk) {
  double t0 = now_ns();
  for (uint64_t done = 0; done < ops;) {
    uint64_t n = ops - done < chunk ? ops - done : chunk;
    churn(w, n);
    done += n;
  }
  return now_ns() - t0;
}

int main(int argc, char **argv) {
  Options opt = parse_args(argc, argv);
  Workload w;
  workload_init(&w, opt.log2_pages, opt.seed);
  prefill(&w);
  double elapsed = timed_churn(&w, opt.ops, opt.chunk);

  char checksum[512];
  format_checksum(&w, checksum, sizeof checksum);
  int coalesced = drain_and_check(&w);
  workload_destroy(&w);

  double ns_per_op = elapsed / (double)opt.ops;
  printf("{\"impl\":\"c\",\"checksum\":\"%s\",\"nsPerOp\":%.3f,\"opsPerSec\":%.0f,"
         "\"ops\":%" PRIu64 ",\"log2Pages\":%d,\"seed\":%" PRIu32 ",\"coalesced\":%s}\n",
      checksum, ns_per_op, 1e9 / ns_per_op, opt.ops, opt.log2_pages, opt.seed,
      coalesced ? "true" : "false");
  if (!coalesced) {
    fprintf(stderr, "churn: zone did not coalesce back into order-10 blocks\n");
    return 1;
  }
  return 0;
}
