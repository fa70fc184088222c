/* Fuzzes the escaping of account ids into object paths, both ways: any bytes as an id
 * (encoded, then decoded back) and as an object path (decoded, then encoded back).
 * Checks that the escaping is the one the bus contract documents (clients reimplement it):
 * "_xx" for every byte outside [A-Za-z0-9] and for a leading digit. */
#include <systemd/sd-bus.h>

#include "account-settings.h"
#include "fuzz-check.h"
#include "fuzz-input.h"
#include "offlinemgr-bus.h"

/* The documented escaping, written independently of sd-bus. */
static char *
reference_encode(const char *id)
{
  GString *out = g_string_new(OM_ACCOUNT_PATH_PREFIX "/");

  if (*id == '\0')
    g_string_append_c(out, '_');
  for (const char *p = id; *p; p++) {
    if (g_ascii_isalpha(*p) || (p > id && g_ascii_isdigit(*p)))
      g_string_append_c(out, *p);
    else
      g_string_append_printf(out, "_%02x", (unsigned char)*p);
  }
  return g_string_free(out, FALSE);
}

static void
check_id(const char *id)
{
  g_autofree char *path = NULL;
  g_autofree char *back = NULL;
  g_autofree char *expected = reference_encode(id);

  FUZZ_CHECK(sd_bus_path_encode(OM_ACCOUNT_PATH_PREFIX, id, &path) >= 0, "encode");
  FUZZ_CHECK(sd_bus_object_path_is_valid(path), "not an object path: %s", path);
  FUZZ_CHECK(g_str_equal(path, expected), "%s, documented: %s", path, expected);
  FUZZ_CHECK(sd_bus_path_decode(path, OM_ACCOUNT_PATH_PREFIX, &back) > 0, "decode %s", path);
  FUZZ_CHECK(g_str_equal(back, id), "%s decodes to something else", path);
}

static void
check_path(const char *path)
{
  g_autofree char *id = NULL;
  g_autofree char *again = NULL;
  g_autofree char *id_again = NULL;
  int r;

  r = sd_bus_path_decode(path, OM_ACCOUNT_PATH_PREFIX, &id);
  FUZZ_CHECK(r >= 0, "decode failed: %s", strerror(-r));
  if (r == 0)
    return;
  /* Paths that decode are not all canonical ("_61" is "a"), but what they decode to
   * encodes to a path that decodes to it again. */
  FUZZ_CHECK(sd_bus_path_encode(OM_ACCOUNT_PATH_PREFIX, id, &again) >= 0, "encode");
  FUZZ_CHECK(sd_bus_path_decode(again, OM_ACCOUNT_PATH_PREFIX, &id_again) > 0, "decode %s", again);
  FUZZ_CHECK(g_str_equal(id, id_again), "%s is not stable", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree char *s = g_strndup((const char *)data, size);
  g_autofree char *path = g_strconcat(OM_ACCOUNT_PATH_PREFIX "/", s, NULL);

  fuzz_quiet_logs();
  check_id(s);
  if (om_account_id_is_valid(s))
    FUZZ_CHECK(strlen(s) <= OM_ACCOUNT_ID_MAX, "over-long id accepted");
  if (sd_bus_object_path_is_valid(s))
    check_path(s);
  if (sd_bus_object_path_is_valid(path))
    check_path(path);
  return 0;
}
