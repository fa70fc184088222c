/* What the benchmark's observer processes tell the driver: one datagram per observation,
 * stamped with CLOCK_MONOTONIC in the observing process (the clock is the same in every
 * process on the machine, so the driver subtracts its own send time from it). */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t sender;  /* which observer (a fan-out client's index) */
  uint32_t seq;     /* transitions this observer has seen, counting from 1 */
  uint32_t value;   /* what it saw: network-available, or the MAPI state */
  uint32_t reserved;
  uint64_t ts_ns;   /* CLOCK_MONOTONIC when it saw it */
} BenchReport;

uint64_t bench_now_ns(void);

/* A datagram socket connected to the driver's socket at @path; -errno on failure. */
int bench_report_connect(const char *path);
/* Sends one report; -errno on failure. */
int bench_report_send(int fd, uint32_t sender, uint32_t seq, uint32_t value, uint64_t ts_ns);
/* The driver's end: a bound, non-blocking datagram socket; -errno on failure. */
int bench_report_bind(const char *path);

/* The harness's commands to a driver: one per line on stdin, read byte by byte (commands
 * are rare and short, and nothing past a line may be lost). */
typedef struct {
  char line[256];
  size_t line_len;
  char command[256];  /* the last complete line, or "" */
} BenchCommands;

/* Reads what @fd has; returns 1 when a whole line is in @c->command, 0 when more is
 * needed, -1 at the end of input. */
int bench_commands_read(BenchCommands *c, int fd);
