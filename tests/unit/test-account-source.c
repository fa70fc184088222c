/* account-source: the account ids of the services' ids (the id alphabet kept, everything
 * else escaped, long ids cut with a hash), and the checks on a source's values. */
#include <string.h>

#include <glib.h>

#include "account-source.h"
#include "errors.h"

static void
test_origin_names(void)
{
  g_assert_cmpstr(om_account_origin_to_string(OM_ACCOUNT_ORIGIN_FILE), ==, "file");
  g_assert_cmpstr(om_account_origin_to_string(OM_ACCOUNT_ORIGIN_GOA), ==, "goa");
  g_assert_cmpstr(om_account_origin_to_string(OM_ACCOUNT_ORIGIN_EDS), ==, "eds");
}

static void
test_id_mapping(void)
{
  static const struct {
    OmAccountOrigin origin;
    const char *source_id, *id;
  } cases[] = {
    { OM_ACCOUNT_ORIGIN_GOA, "account_1700000000_0", "goa-account_1700000000_0" },
    { OM_ACCOUNT_ORIGIN_EDS, "fedc8f113c7428860b5e76de24d55c0df5004a2b",
      "eds-fedc8f113c7428860b5e76de24d55c0df5004a2b" },
    { OM_ACCOUNT_ORIGIN_EDS, "1385034373.2431.0@localhost", "eds-1385034373.2431.0_40localhost" },
    { OM_ACCOUNT_ORIGIN_EDS, "odd uid@x", "eds-odd_20uid_40x" },
    { OM_ACCOUNT_ORIGIN_EDS, "caf\xc3\xa9", "eds-caf_c3_a9" },
    { OM_ACCOUNT_ORIGIN_EDS, "a/b;c=d#e", "eds-a_2fb_3bc_3dd_23e" },
    { OM_ACCOUNT_ORIGIN_EDS, "\x01\x7f\xff", "eds-_01_7f_ff" },
    { OM_ACCOUNT_ORIGIN_GOA, "-", "goa--" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *id = om_discovered_account_id(cases[i].origin, cases[i].source_id);
    g_assert_cmpstr(id, ==, cases[i].id);
    g_assert_true(om_account_id_is_valid(id));
  }
  g_assert_null(om_discovered_account_id(OM_ACCOUNT_ORIGIN_EDS, ""));
  g_assert_null(om_discovered_account_id(OM_ACCOUNT_ORIGIN_EDS, NULL));
  g_assert_null(om_discovered_account_id(OM_ACCOUNT_ORIGIN_FILE, "x"));
}

static void
test_id_length(void)
{
  /* The longest id kept whole, and one character more. */
  g_autofree char *fits = g_strnfill(OM_ACCOUNT_ID_MAX - 4, 'a');
  g_autofree char *over = g_strnfill(OM_ACCOUNT_ID_MAX - 3, 'a');
  g_autofree char *other = g_strconcat(over, "b", NULL);
  g_autofree char *escaped = g_strnfill(30, '@');
  g_autofree char *fits_id = om_discovered_account_id(OM_ACCOUNT_ORIGIN_EDS, fits);
  g_autofree char *over_id = om_discovered_account_id(OM_ACCOUNT_ORIGIN_EDS, over);
  g_autofree char *other_id = om_discovered_account_id(OM_ACCOUNT_ORIGIN_EDS, other);
  g_autofree char *escaped_id = om_discovered_account_id(OM_ACCOUNT_ORIGIN_EDS, escaped);
  g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, over, -1);
  g_autofree char *expected = NULL;

  g_assert_cmpuint(strlen(fits_id), ==, OM_ACCOUNT_ID_MAX);
  g_assert_true(g_str_has_suffix(fits_id, fits));

  g_assert_cmpuint(strlen(over_id), ==, OM_ACCOUNT_ID_MAX);
  hash[12] = '\0';
  expected = g_strdup_printf("eds-%.*s-%s", OM_ACCOUNT_ID_MAX - 4 - 13, over, hash);
  g_assert_cmpstr(over_id, ==, expected);
  /* Ids that share their start stay apart. */
  g_assert_cmpuint(strlen(other_id), ==, OM_ACCOUNT_ID_MAX);
  g_assert_cmpstr(over_id, !=, other_id);
  /* Escapes count: 30 characters become 90. */
  g_assert_cmpuint(strlen(escaped_id), ==, OM_ACCOUNT_ID_MAX);
  g_assert_true(om_account_id_is_valid(escaped_id));
}

static void
test_values(void)
{
  g_auto(OmDiscoveredAccount) a = { 0 };
  g_autofree char *long_name = g_strnfill(OM_DISPLAY_NAME_MAX + 1, 'x');
  g_autofree char *long_host = g_strnfill(OM_HOST_MAX + 1, 'h');
  GError *error = NULL;

  g_assert_true(om_discovered_account_set_values(&a, "Alice", "imap.example.com", 993, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(a.display_name, ==, "Alice");
  g_assert_cmpstr(a.host, ==, "imap.example.com");
  g_assert_cmpuint(a.port, ==, 993);

  /* None of them is required. */
  g_assert_true(om_discovered_account_set_values(&a, NULL, NULL, 0, &error));
  g_assert_null(a.display_name);
  g_assert_null(a.host);
  g_assert_cmpuint(a.port, ==, 0);
  g_assert_true(om_discovered_account_set_values(&a, "", "", 0, &error));
  g_assert_null(a.display_name);
  g_assert_null(a.host);

  /* Each bad value is a named error and changes nothing. */
  g_assert_true(om_discovered_account_set_values(&a, "Alice", "imap.example.com", 993, NULL));
  g_assert_false(om_discovered_account_set_values(&a, "Bob", "bad host", 143, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
  g_assert_nonnull(strstr(error->message, "Host 'bad host'"));
  g_clear_error(&error);
  g_assert_false(om_discovered_account_set_values(&a, "Bob", "imap.example.org", 65536, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
  g_clear_error(&error);
  g_assert_false(om_discovered_account_set_values(&a, long_name, "h", 1, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED);
  g_assert_nonnull(strstr(error->message, "DisplayName"));
  g_clear_error(&error);
  g_assert_false(om_discovered_account_set_values(&a, "Bob", long_host, 1, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED);
  g_clear_error(&error);
  g_assert_false(om_discovered_account_set_values(&a, "tab\there", "h", 1, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
  g_clear_error(&error);
  g_assert_cmpstr(a.display_name, ==, "Alice");
  g_assert_cmpstr(a.host, ==, "imap.example.com");
  g_assert_cmpuint(a.port, ==, 993);
}

static void
test_copy_and_equal(void)
{
  g_auto(OmDiscoveredAccount) a = { 0 };
  g_auto(OmDiscoveredAccount) b = { 0 };

  a.origin = OM_ACCOUNT_ORIGIN_GOA;
  a.id = g_strdup("goa-x");
  a.source_id = g_strdup("x");
  g_assert_true(om_discovered_account_set_values(&a, "X", "imap.example.com", 993, NULL));
  om_discovered_account_copy(&b, &a);
  g_assert_true(om_discovered_account_equal(&a, &b));
  g_assert_true(a.host != b.host);
  b.port = 143;
  g_assert_false(om_discovered_account_equal(&a, &b));
  b.port = 993;
  g_free(b.display_name);
  b.display_name = NULL;
  g_assert_false(om_discovered_account_equal(&a, &b));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/account-source/origin-names", test_origin_names);
  g_test_add_func("/account-source/id-mapping", test_id_mapping);
  g_test_add_func("/account-source/id-length", test_id_length);
  g_test_add_func("/account-source/values", test_values);
  g_test_add_func("/account-source/copy-and-equal", test_copy_and_equal);
  return g_test_run();
}
