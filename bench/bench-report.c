#include "bench-report.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

uint64_t
bench_now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
make_address(const char *path, struct sockaddr_un *addr)
{
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr->sun_path))
    return -ENAMETOOLONG;
  strcpy(addr->sun_path, path);
  return 0;
}

int
bench_report_connect(const char *path)
{
  struct sockaddr_un addr;
  int fd, r;

  if ((r = make_address(path, &addr)) < 0)
    return r;
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

int
bench_report_send(int fd, uint32_t sender, uint32_t seq, uint32_t value, uint64_t ts_ns)
{
  BenchReport report = { .sender = sender, .seq = seq, .value = value, .ts_ns = ts_ns };

  if (send(fd, &report, sizeof(report), 0) != (ssize_t)sizeof(report))
    return -errno;
  return 0;
}

int
bench_report_bind(const char *path)
{
  struct sockaddr_un addr;
  int fd, r, size = 4 << 20;

  if ((r = make_address(path, &addr)) < 0)
    return r;
  fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -errno;
  /* A hundred clients report at once; a short queue would make them block. */
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

int
bench_commands_read(BenchCommands *c, int fd)
{
  char ch;
  ssize_t n;

  while ((n = read(fd, &ch, 1)) == 1) {
    if (ch == '\n') {
      c->line[c->line_len] = '\0';
      memcpy(c->command, c->line, c->line_len + 1);
      c->line_len = 0;
      return 1;
    }
    if (c->line_len < sizeof(c->line) - 1)
      c->line[c->line_len++] = ch;
  }
  return n == 0 ? -1 : 0;
}
