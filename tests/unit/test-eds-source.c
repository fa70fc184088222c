/* eds-source: what offlinemgr reads from a source's Data, and which sources are mail
 * accounts to report: built-ins, local stores, disabled sources and ancestors, GNOME
 * Online Accounts' mirrors (through any ancestor), missing parents, loops. */
#include <string.h>

#include <glib.h>

#include "eds-source.h"
#include "errors.h"

#define IMAP_ACCOUNT(parent, enabled, host, port)                                   \
  "[Data Source]\nDisplayName=me@example.org\nEnabled=" enabled "\nParent=" parent \
  "\n\n[Mail Account]\nBackendName=imapx\nIdentityUid=x\n\n[Authentication]\n"     \
  "Host=" host "\nPort=" port "\nUser=me\n\n[Security]\nMethod=ssl-on-alternate-port\n"

#define COLLECTION(enabled, goa)                                                      \
  "[Data Source]\nDisplayName=c\nEnabled=" enabled "\nParent=\n\n[Collection]\n"      \
  "BackendName=none\nMailEnabled=true\n" goa

#define GOA_GROUP "\n[GNOME Online Accounts]\nAccountId=account_1_0\n"

static OmEdsSourceInfo *
parse(const char *uid, const char *data)
{
  OmEdsSourceInfo *info = g_new0(OmEdsSourceInfo, 1);

  om_eds_source_info_parse(info, uid, data);
  return info;
}

static void
test_parse_mail_account(void)
{
  g_auto(OmEdsSourceInfo) info = { 0 };

  om_eds_source_info_parse(&info, "a", IMAP_ACCOUNT("", "true", "imap.example.org", "1993"));
  g_assert_null(info.error);
  g_assert_cmpstr(info.uid, ==, "a");
  g_assert_null(info.parent);
  g_assert_true(info.enabled);
  g_assert_cmpstr(info.display_name, ==, "me@example.org");
  g_assert_true(info.mail_account);
  g_assert_false(info.builtin);
  g_assert_false(info.local);
  g_assert_null(info.goa_account_id);
  g_assert_cmpstr(info.host, ==, "imap.example.org");
  g_assert_cmpuint(info.port, ==, 1993);

  /* Parsing again replaces everything. */
  om_eds_source_info_parse(&info, "b", COLLECTION("false", GOA_GROUP));
  g_assert_null(info.error);
  g_assert_cmpstr(info.uid, ==, "b");
  g_assert_false(info.enabled);
  g_assert_false(info.mail_account);
  g_assert_cmpstr(info.goa_account_id, ==, "account_1_0");
  g_assert_null(info.host);
}

static void
test_parse_ports(void)
{
  static const struct {
    const char *data;
    guint32 port;
  } cases[] = {
    { IMAP_ACCOUNT("", "true", "h.example", "993"), 993 },
    { IMAP_ACCOUNT("", "true", "h.example", "0"), 993 },
    { IMAP_ACCOUNT("", "true", "h.example", ""), 993 },
    { "[Mail Account]\nBackendName=imapx\n[Authentication]\nHost=h.example\n", 143 },
    { "[Mail Account]\nBackendName=imapx\n[Authentication]\nHost=h.example\n"
      "[Security]\nMethod=starttls-on-standard-port\n", 143 },
    { "[Mail Account]\nBackendName=pop\n[Authentication]\nHost=h.example\n"
      "[Security]\nMethod=ssl-on-alternate-port\n", 995 },
    { "[Mail Account]\nBackendName=pop\n[Authentication]\nHost=h.example\n", 110 },
    { "[Mail Account]\nBackendName=ews\n[Authentication]\nHost=h.example\n", 0 },
    { "[Mail Account]\nBackendName=ews\n[Authentication]\nHost=h.example\nPort=443\n", 443 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(OmEdsSourceInfo) info = { 0 };

    om_eds_source_info_parse(&info, "a", cases[i].data);
    g_assert_null(info.error);
    g_assert_cmpuint(info.port, ==, cases[i].port);
  }
}

static void
test_parse_bad(void)
{
  static const struct {
    const char *data, *error;
  } cases[] = {
    { "this is not a keyfile\n[[[", "its Data does not parse" },
    { "[Data Source]\nEnabled=maybe\n", "[Data Source] Enabled" },
    { IMAP_ACCOUNT("", "true", "h.example", "70000"),
      "[Authentication] Port '70000' is not a number from 0 to 65535" },
    { IMAP_ACCOUNT("", "true", "h.example", "-1"), "[Authentication] Port '-1'" },
    { IMAP_ACCOUNT("", "true", "h.example", "imap"), "[Authentication] Port 'imap'" },
    { "[Mail Account]\nBackendName=imapx\nBuiltin=perhaps\n", "[Mail Account] Builtin" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(OmEdsSourceInfo) info = { 0 };

    om_eds_source_info_parse(&info, "a", cases[i].data);
    g_assert_nonnull(info.error);
    g_assert_true(g_str_has_prefix(info.error, cases[i].error));
    g_assert_cmpstr(info.uid, ==, "a");
  }
  /* The Port of a source that is not a mail account is none of our business. */
  {
    g_auto(OmEdsSourceInfo) info = { 0 };
    om_eds_source_info_parse(&info, "a", "[Calendar]\nBackendName=caldav\n"
                                         "[Authentication]\nHost=h\nPort=nope\n");
    g_assert_null(info.error);
    g_assert_false(info.mail_account);
  }
}

static GHashTable *
table(const char *const *pairs)
{
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify)om_eds_source_info_free);

  for (const char *const *p = pairs; *p; p += 2) {
    OmEdsSourceInfo *info = parse(p[0], p[1]);
    g_hash_table_insert(t, info->uid, info);
  }
  return t;
}

static OmEdsVerdict
evaluate(GHashTable *t, const char *uid, char **why)
{
  g_auto(OmDiscoveredAccount) a = { 0 };
  OmEdsVerdict v = om_eds_evaluate(t, uid, &a, why);

  if (v == OM_EDS_ACCOUNT) {
    g_assert_cmpstr(a.display_name, ==, "me@example.org");
    g_assert_cmpstr(a.host, ==, "imap.example.org");
    g_assert_cmpuint(a.port, ==, 993);
  }
  return v;
}

static void
test_evaluate(void)
{
  static const char *const sources[] = {
    "plain", IMAP_ACCOUNT("", "true", "imap.example.org", "993"),
    "disabled", IMAP_ACCOUNT("", "false", "imap.example.org", "993"),
    "calendar", "[Data Source]\nParent=local-stub\n[Calendar]\nBackendName=local\n",
    "identity", "[Data Source]\nParent=plain\n[Mail Identity]\nAddress=me@example.org\n",
    "local", "[Data Source]\nDisplayName=On This Computer\n[Mail Account]\nBackendName=maildir\n",
    "vfolder", "[Data Source]\n[Mail Account]\nBackendName=vfolder\n",
    "newer-builtin", "[Mail Account]\nBackendName=imapx\nBuiltin=true\n"
                     "[Authentication]\nHost=imap.example.org\n",
    "maildir", "[Data Source]\n[Mail Account]\nBackendName=maildir\n",
    "no-host", IMAP_ACCOUNT("", "true", "", "993"),
    "bad-host", IMAP_ACCOUNT("", "true", "bad host", "993"),
    "v6", IMAP_ACCOUNT("", "true", "[2001:db8::1]", "993"),
    /* A collection of this registry's own (an EWS account, say), enabled or not. */
    "coll", COLLECTION("true", ""),
    "under-coll", IMAP_ACCOUNT("coll", "true", "imap.example.org", "993"),
    "coll-off", COLLECTION("false", ""),
    "under-coll-off", IMAP_ACCOUNT("coll-off", "true", "imap.example.org", "993"),
    /* GNOME Online Accounts' account, seen through its collection, also two levels down. */
    "goa-coll", COLLECTION("true", GOA_GROUP),
    "goa-mail", IMAP_ACCOUNT("goa-coll", "true", "imap.example.org", "993"),
    "goa-mid", "[Data Source]\nParent=goa-coll\n",
    "goa-deep", IMAP_ACCOUNT("goa-mid", "true", "imap.example.org", "993"),
    "goa-self", IMAP_ACCOUNT("", "true", "imap.example.org", "993") GOA_GROUP,
    "orphan", IMAP_ACCOUNT("not-here", "true", "imap.example.org", "993"),
    "broken-parent", "[[[",
    "under-broken", IMAP_ACCOUNT("broken-parent", "true", "imap.example.org", "993"),
    "loop-a", IMAP_ACCOUNT("loop-b", "true", "imap.example.org", "993"),
    "loop-b", IMAP_ACCOUNT("loop-a", "true", "imap.example.org", "993"),
    NULL,
  };
  static const struct {
    const char *uid;
    OmEdsVerdict verdict;
    const char *why;
  } cases[] = {
    { "plain", OM_EDS_ACCOUNT, NULL },
    { "disabled", OM_EDS_DISABLED, "disabled" },
    { "calendar", OM_EDS_NOT_MAIL, "not a mail account" },
    { "identity", OM_EDS_NOT_MAIL, "not a mail account" },
    { "local", OM_EDS_BUILTIN, "one of the registry's built-in sources" },
    { "vfolder", OM_EDS_BUILTIN, "one of the registry's built-in sources" },
    { "newer-builtin", OM_EDS_BUILTIN, NULL },
    { "maildir", OM_EDS_LOCAL, "a local mail store, with no server" },
    { "no-host", OM_EDS_BAD, "[Authentication] has no Host" },
    { "bad-host", OM_EDS_BAD, "Host 'bad host' is not a host name" },
    { "coll", OM_EDS_NOT_MAIL, NULL },
    { "under-coll", OM_EDS_ACCOUNT, NULL },
    { "under-coll-off", OM_EDS_DISABLED, "its parent coll-off is disabled" },
    { "goa-mail", OM_EDS_GOA, "GNOME Online Accounts' account account_1_0 (through goa-coll)" },
    { "goa-deep", OM_EDS_GOA, NULL },
    { "goa-self", OM_EDS_GOA, "GNOME Online Accounts' account account_1_0" },
    /* A Parent= that names no source ends the chain, as in the registry. */
    { "orphan", OM_EDS_ACCOUNT, NULL },
    { "broken-parent", OM_EDS_BAD, "its Data does not parse" },
    { "under-broken", OM_EDS_BAD, "its parent broken-parent cannot be read" },
    { "loop-a", OM_EDS_BAD, "its parents (Parent=) go more than" },
  };
  g_autoptr(GHashTable) t = table(sources);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *why = NULL;

    g_test_message("%s", cases[i].uid);
    g_assert_cmpint(evaluate(t, cases[i].uid, &why), ==, cases[i].verdict);
    if (cases[i].verdict == OM_EDS_ACCOUNT)
      g_assert_null(why);
    else
      g_assert_nonnull(why);
    if (cases[i].why != NULL)
      g_assert_true(g_str_has_prefix(why, cases[i].why));
  }
  /* An IPv6 address in brackets loses them. */
  {
    g_auto(OmDiscoveredAccount) a = { 0 };
    g_autofree char *why = NULL;
    g_assert_cmpint(om_eds_evaluate(t, "v6", &a, &why), ==, OM_EDS_ACCOUNT);
    g_assert_cmpstr(a.host, ==, "2001:db8::1");
  }
}

/* A parent decides for its child when it comes and whenever it changes. */
static void
test_parent_changes(void)
{
  static const char *const sources[] = {
    "child", IMAP_ACCOUNT("coll", "true", "imap.example.org", "993"),
    NULL,
  };
  g_autoptr(GHashTable) t = table(sources);
  g_autofree char *why = NULL;
  OmEdsSourceInfo *coll;

  g_assert_cmpint(evaluate(t, "child", &why), ==, OM_EDS_ACCOUNT);
  coll = parse("coll", COLLECTION("true", GOA_GROUP));
  g_hash_table_insert(t, coll->uid, coll);
  g_assert_cmpint(evaluate(t, "child", &why), ==, OM_EDS_GOA);
  g_clear_pointer(&why, g_free);
  coll = parse("coll", COLLECTION("false", ""));
  g_hash_table_replace(t, coll->uid, coll);
  g_assert_cmpint(evaluate(t, "child", &why), ==, OM_EDS_DISABLED);
  g_clear_pointer(&why, g_free);
  coll = parse("coll", COLLECTION("true", ""));
  g_hash_table_replace(t, coll->uid, coll);
  g_assert_cmpint(evaluate(t, "child", &why), ==, OM_EDS_ACCOUNT);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/eds-source/parse-mail-account", test_parse_mail_account);
  g_test_add_func("/eds-source/parse-ports", test_parse_ports);
  g_test_add_func("/eds-source/parse-bad", test_parse_bad);
  g_test_add_func("/eds-source/evaluate", test_evaluate);
  g_test_add_func("/eds-source/parent-changes", test_parent_changes);
  return g_test_run();
}
