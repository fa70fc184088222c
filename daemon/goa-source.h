/* GNOME Online Accounts (org.gnome.OnlineAccounts on the session bus) as an account
 * source: every account object with the org.gnome.OnlineAccounts.Mail interface, which
 * GOA adds while mail is enabled for the account (MailDisabled false) and removes when
 * it is turned off. The id is "goa-" + the account's Id.
 *
 * Host and Port come from ImapHost ("host", "host:port", "[IPv6]", "[IPv6]:port" or a
 * bare IPv6 address), with 993 when ImapUseSsl is set and 143 otherwise; DisplayName is
 * EmailAddress, or PresentationIdentity when that is empty. Accounts whose mail does not
 * go over IMAP (ImapSupported false: Exchange, Microsoft 365) have no Host and Port. */
#pragma once

#include "account-source.h"

/* Follows GNOME Online Accounts on @bus (see account-source.h). */
OmAccountSource *om_goa_source_new(sd_bus *bus, const OmAccountSourceCallbacks *callbacks,
                                   gpointer user_data, int *error_out);

/* ---- the translation, apart from the bus ---- */

/* What an account object says; NULL strings are absent properties. */
typedef struct {
  const char *presentation_identity;  /* Account PresentationIdentity */
  const char *email_address;          /* org.gnome.OnlineAccounts.Mail EmailAddress */
  gboolean imap_supported;            /* Mail ImapSupported */
  const char *imap_host;              /* Mail ImapHost */
  gboolean imap_use_ssl;              /* Mail ImapUseSsl */
} OmGoaMail;

/* Splits @imap_host into a host and a port; the port is 993 or 143 (@use_ssl) when it
 * has none. A port that is not a number from 1 to 65535, an empty host or an unclosed
 * '[' is an error (OM_ERROR_INVALID_ARGS); the host itself is checked by the caller. */
gboolean om_goa_parse_imap_host(const char *imap_host, gboolean use_ssl, char **host,
                                guint32 *port, GError **error);

/* The account values of @mail into @account (display_name, host, port); an error says
 * what is wrong and leaves @account unchanged. */
gboolean om_goa_mail_to_account(const OmGoaMail *mail, OmDiscoveredAccount *account,
                                GError **error);
