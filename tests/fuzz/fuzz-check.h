/* Checks shared by the fuzzers: a broken promise is a crash that libFuzzer reports with
 * the input that caused it. */
#pragma once

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                               \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);              \
      fprintf(stderr, __VA_ARGS__);                                                         \
      fputc('\n', stderr);                                                                  \
      abort();                                                                              \
    }                                                                                       \
  } while (0)
