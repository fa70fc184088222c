/* goa-source: ImapHost into host and port (names, IPv4, IPv6 with and without brackets,
 * ports and their range), and an account object's properties into account values. */
#include <string.h>

#include <glib.h>

#include "errors.h"
#include "goa-source.h"

static void
test_imap_host(void)
{
  static const struct {
    const char *imap_host;
    gboolean ssl;
    const char *host;
    guint32 port;
  } good[] = {
    { "imap.example.com", TRUE, "imap.example.com", 993 },
    { "imap.example.com", FALSE, "imap.example.com", 143 },
    { "imap.example.com:1993", TRUE, "imap.example.com", 1993 },
    { "imap.example.com:1", FALSE, "imap.example.com", 1 },
    { "imap.example.com:65535", FALSE, "imap.example.com", 65535 },
    { "192.0.2.1", TRUE, "192.0.2.1", 993 },
    { "192.0.2.1:143", TRUE, "192.0.2.1", 143 },
    { "[2001:db8::1]", TRUE, "2001:db8::1", 993 },
    { "[2001:db8::1]:1993", FALSE, "2001:db8::1", 1993 },
    { "2001:db8::1", FALSE, "2001:db8::1", 143 },
    { "::1", TRUE, "::1", 993 },
    /* Not a host name either; the account's Host check says so (see below). */
    { "bad host", TRUE, "bad host", 993 },
  };
  static const char *const bad[] = {
    "imap.example.com:", "imap.example.com:0", "imap.example.com:65536",
    "imap.example.com:99999999999999999999", "imap.example.com:-1", "imap.example.com:+1",
    "imap.example.com: 993", "imap.example.com:993x", "imap.example.com:0x10", ":993", "",
    "[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "[2001:db8::1]:70000", "[]", "[]:993",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autofree char *host = NULL;
    guint32 port = 0;
    GError *error = NULL;

    g_assert_true(om_goa_parse_imap_host(good[i].imap_host, good[i].ssl, &host, &port, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(host, ==, good[i].host);
    g_assert_cmpuint(port, ==, good[i].port);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    char *host = NULL;
    guint32 port = 7;
    g_autoptr(GError) error = NULL;

    g_assert_false(om_goa_parse_imap_host(bad[i], TRUE, &host, &port, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
    /* The message quotes the value, so the log says what was wrong. */
    g_assert_nonnull(strstr(error->message, "ImapHost"));
    g_assert_null(host);
    g_assert_cmpuint(port, ==, 7);
  }
}

static void
test_mail_to_account(void)
{
  g_auto(OmDiscoveredAccount) a = { 0 };
  GError *error = NULL;
  OmGoaMail mail = {
    .presentation_identity = "alice",
    .email_address = "alice@example.com",
    .imap_supported = TRUE,
    .imap_host = "imap.example.com:1993",
    .imap_use_ssl = TRUE,
  };

  g_assert_true(om_goa_mail_to_account(&mail, &a, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(a.display_name, ==, "alice@example.com");
  g_assert_cmpstr(a.host, ==, "imap.example.com");
  g_assert_cmpuint(a.port, ==, 1993);

  /* Without an e-mail address, the presentation identity names the account. */
  mail.email_address = "";
  g_assert_true(om_goa_mail_to_account(&mail, &a, NULL));
  g_assert_cmpstr(a.display_name, ==, "alice");
  mail.email_address = NULL;
  mail.presentation_identity = NULL;
  g_assert_true(om_goa_mail_to_account(&mail, &a, NULL));
  g_assert_null(a.display_name);

  /* Mail that does not go over IMAP (Exchange, Microsoft 365): no server. */
  mail = (OmGoaMail){ .email_address = "carol@example.org", .imap_supported = FALSE };
  g_assert_true(om_goa_mail_to_account(&mail, &a, NULL));
  g_assert_cmpstr(a.display_name, ==, "carol@example.org");
  g_assert_null(a.host);
  g_assert_cmpuint(a.port, ==, 0);
}

static void
test_mail_bad_values(void)
{
  g_autofree char *long_address = g_strnfill(300, 'x');
  g_autofree char *long_host = g_strnfill(OM_HOST_MAX + 1, 'h');
  static const char *hosts[] = { NULL, "", "bad host", "imap.example.com:0",
                                 "host_with/slash", "[::1" };
  g_auto(OmDiscoveredAccount) a = { 0 };
  OmGoaMail mail = { .email_address = "bob@example.org", .imap_supported = TRUE };
  GError *error = NULL;

  g_assert_true(om_discovered_account_set_values(&a, "kept", "kept.example.org", 1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS(hosts); i++) {
    mail.imap_host = hosts[i];
    g_assert_false(om_goa_mail_to_account(&mail, &a, &error));
    g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
    g_clear_error(&error);
  }
  mail.imap_host = long_host;
  g_assert_false(om_goa_mail_to_account(&mail, &a, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED);
  g_clear_error(&error);

  mail.imap_host = "imap.example.org";
  mail.email_address = long_address;
  g_assert_false(om_goa_mail_to_account(&mail, &a, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_LIMIT_EXCEEDED);
  g_clear_error(&error);
  mail.email_address = "line\nbreak@example.org";
  g_assert_false(om_goa_mail_to_account(&mail, &a, &error));
  g_assert_error(error, OM_ERROR, OM_ERROR_INVALID_ARGS);
  g_clear_error(&error);

  /* Nothing changed on any of those. */
  g_assert_cmpstr(a.display_name, ==, "kept");
  g_assert_cmpstr(a.host, ==, "kept.example.org");
  g_assert_cmpuint(a.port, ==, 1);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/goa-source/imap-host", test_imap_host);
  g_test_add_func("/goa-source/mail-to-account", test_mail_to_account);
  g_test_add_func("/goa-source/mail-bad-values", test_mail_bad_values);
  return g_test_run();
}
