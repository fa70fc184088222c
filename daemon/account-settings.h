/* An account's settings: validation, defaults, and conversion from and to keyfiles.
 *
 * The same setting names serve the keyfile ([Account] group), the a{sv} of AddAccount and
 * UpdateAccount, and the Settings property. Nothing here does I/O. */
#pragma once

#include <glib.h>

/* Limits against careless and hostile clients; each violation is a named error. */
#define OM_ACCOUNT_ID_MAX 64             /* characters of [A-Za-z0-9_.-] */
#define OM_DISPLAY_NAME_MAX 256          /* bytes of UTF-8 */
#define OM_HOST_MAX 253                  /* a DNS name's limit */
#define OM_REQUIRE_CONNECTIONS_MAX 32    /* entries */
#define OM_CONNECTION_NAME_MAX 255       /* bytes per entry */
#define OM_SETTINGS_ENTRIES_MAX 32       /* entries of one a{sv} */
#define OM_ACCOUNT_FILE_MAX (64 * 1024)  /* bytes of one keyfile */
#define OM_ACCOUNTS_MAX 16384            /* accounts per user */

#define OM_ACCOUNT_GROUP "Account"

typedef enum {
  OM_MIN_CONNECTIVITY_FULL,
  OM_MIN_CONNECTIVITY_LIMITED,
  OM_MIN_CONNECTIVITY_PORTAL,
} OmMinConnectivity;

typedef struct {
  char *display_name;          /* NULL: the id */
  char *host;                  /* NULL: none */
  guint32 port;                /* 0: none */
  char **require_connections;  /* NULL-terminated, never NULL; empty: none */
  OmMinConnectivity min_connectivity;
  gboolean allow_metered;
  gboolean check_reachability;
} OmAccountSettings;

typedef enum {
  OM_SETTING_DISPLAY_NAME,
  OM_SETTING_HOST,
  OM_SETTING_PORT,
  OM_SETTING_REQUIRE_CONNECTIONS,
  OM_SETTING_MIN_CONNECTIVITY,
  OM_SETTING_ALLOW_METERED,
  OM_SETTING_CHECK_REACHABILITY,
  OM_N_SETTINGS,
} OmSettingKey;

/* A setting's value as it arrives from the bus or a keyfile; which member is used
 * follows the setting's D-Bus signature ("s", "u", "b" or "as"). Borrowed. */
typedef struct {
  const char *s;
  guint32 u;
  gboolean b;
  const char *const *strv;
} OmSettingValue;

gboolean om_account_id_is_valid(const char *id);

/* The setting called @name, or FALSE when there is none. */
gboolean om_setting_lookup(const char *name, OmSettingKey *key);
const char *om_setting_name(OmSettingKey key);
const char *om_setting_signature(OmSettingKey key);

void om_account_settings_init(OmAccountSettings *settings);
void om_account_settings_clear(OmAccountSettings *settings);
void om_account_settings_copy(OmAccountSettings *dest, const OmAccountSettings *src);
gboolean om_account_settings_equal(const OmAccountSettings *a, const OmAccountSettings *b);

/* Validates @value for @key and stores a copy in @settings; on error @settings is
 * unchanged and @error (OM_ERROR_INVALID_ARGS or _LIMIT_EXCEEDED) names the setting. */
gboolean om_account_settings_set(OmAccountSettings *settings, OmSettingKey key,
                                 const OmSettingValue *value, GError **error);

/* Rules across settings (CheckReachability needs Host and Port). */
gboolean om_account_settings_check(const OmAccountSettings *settings, GError **error);

/* Parses the [Account] group of @keyfile over the defaults. Unknown keys are ignored and
 * returned in @unknown_keys (may be NULL) so the caller can warn; they are kept when
 * the file is rewritten. Any malformed value, or a setting given twice, fails the whole
 * file. */
gboolean om_account_settings_from_keyfile(OmAccountSettings *settings, GKeyFile *keyfile,
                                          char ***unknown_keys, GError **error);

/* Like om_account_settings_from_keyfile(), and says which settings the group has
 * (@present may be NULL). With @partial the group may hold only part of an account's
 * settings (a discovered account's overrides, whose Host and Port may come from
 * elsewhere): the rules across settings are not checked. */
gboolean om_account_settings_from_keyfile_full(OmAccountSettings *settings, GKeyFile *keyfile,
                                               gboolean partial,
                                               gboolean present[OM_N_SETTINGS],
                                               char ***unknown_keys, GError **error);

/* Writes @settings into @keyfile's [Account] group, leaving other keys, groups and
 * comments alone. A setting at its default is written only if the file has that key. */
void om_account_settings_to_keyfile(const OmAccountSettings *settings, GKeyFile *keyfile);

/* Writes exactly the settings marked in @present into @keyfile's [Account] group, at
 * their default too, and removes the others; other keys, groups and comments stay. */
void om_account_settings_to_keyfile_only(const OmAccountSettings *settings,
                                         const gboolean present[OM_N_SETTINGS],
                                         GKeyFile *keyfile);

const char *om_min_connectivity_to_string(OmMinConnectivity min);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OmAccountSettings, om_account_settings_clear)
