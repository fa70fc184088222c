/* offlinemgrctl: shows and changes the offline state of mail accounts, through
 * libofflinemgr. The commands are in cmd-*.c; this file parses the command line. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"

static const char usage_text[] =
  "Usage: offlinemgrctl [OPTIONS] COMMAND [ARGS...]\n"
  "\n"
  "Shows and changes the offline state of mail accounts kept by offlinemgrd.\n"
  "\n"
  "Commands:\n"
  "  list                          accounts with their state and reason\n"
  "  status [ID]                   an account; without ID the global object and network\n"
  "  set ID online|offline         request a mode for an account\n"
  "  set --global online|offline   request a mode for the user as a whole\n"
  "  monitor [ID...]               print each transition phase until interrupted\n"
  "  wait ID|--global              return once the object is ONLINE (or --offline)\n"
  "  add ID [KEY=VALUE...]         add an account\n"
  "  update ID KEY=VALUE...        change settings of an account\n"
  "  remove ID                     remove an account\n"
  "  reload                        make the daemon re-read its files now\n"
  "\n"
  "Settings (KEY): DisplayName, Host, Port, RequireConnections (';'-separated),\n"
  "  MinConnectivity (full, limited, portal), AllowMetered, CheckReachability (true,\n"
  "  false)\n"
  "\n"
  "Options:\n"
  "  --json        print JSON\n"
  "  --no-block    set: return at once instead of after the transition\n"
  "  --global      set, wait: the global object\n"
  "  --online      wait: for ONLINE (the default)\n"
  "  --offline     wait: for OFFLINE\n"
  "  --timeout SECONDS\n"
  "                wait: give up after this long (exit status 6)\n"
  "  -h, --help    show this help and exit\n"
  "  --version     show the version and exit\n"
  "\n"
  "Exit status: 0 success, 1 failure, 2 invalid arguments, 3 no such account,\n"
  "4 daemon unreachable, 5 a transition is under way, 6 wait timed out.\n"
  "See offlinemgrctl(1).\n";

static const struct {
  const char *name;
  CtlCommand run;
} commands[] = {
  { "list", ctl_list },
  { "status", ctl_status },
  { "set", ctl_set },
  { "monitor", ctl_monitor },
  { "add", ctl_add },
  { "update", ctl_update },
  { "remove", ctl_remove },
  { "reload", ctl_reload },
  { "wait", ctl_wait },
};

int
main(int argc, char **argv)
{
  enum { OPT_JSON = 256, OPT_NO_BLOCK, OPT_GLOBAL, OPT_VERSION, OPT_ONLINE, OPT_OFFLINE,
         OPT_TIMEOUT };
  static const struct option long_options[] = {
    { "json", no_argument, NULL, OPT_JSON },
    { "no-block", no_argument, NULL, OPT_NO_BLOCK },
    { "global", no_argument, NULL, OPT_GLOBAL },
    { "online", no_argument, NULL, OPT_ONLINE },
    { "offline", no_argument, NULL, OPT_OFFLINE },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
  };
  CtlOptions options = { 0 };
  const char *name;
  int c;

  setlocale(LC_ALL, "");
  opterr = 0;
  /* Options may follow the command (GNU getopt permutes); "--" ends them, for an id
   * that starts with '-'. */
  while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
    switch (c) {
    case OPT_JSON:
      options.json = true;
      break;
    case OPT_NO_BLOCK:
      options.no_block = true;
      break;
    case OPT_GLOBAL:
      options.global = true;
      break;
    case OPT_ONLINE:
    case OPT_OFFLINE:
      if (options.wait_state != 0 &&
          options.wait_state != (c == OPT_ONLINE ? OM_STATE_ONLINE : OM_STATE_OFFLINE))
        return ctl_usage_error("--online and --offline exclude each other");
      options.wait_state = c == OPT_ONLINE ? OM_STATE_ONLINE : OM_STATE_OFFLINE;
      break;
    case OPT_TIMEOUT:
      options.timeout = optarg;
      break;
    case 'h':
      fputs(usage_text, stdout);
      return CTL_EXIT_OK;
    case OPT_VERSION:
      printf("offlinemgrctl %s\n", OM_VERSION);
      return CTL_EXIT_OK;
    case ':':
      return ctl_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      if (optopt > 0 && optopt < 256)
        return ctl_usage_error("unknown option '-%c'", optopt);
      if (optopt != 0)
        return ctl_usage_error("option '%.*s' takes no value",
                               (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
      return ctl_usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return ctl_usage_error("missing command");
  name = argv[optind];
  if (options.no_block && strcmp(name, "set") != 0)
    return ctl_usage_error("--no-block is an option of set only");
  if (options.global && strcmp(name, "set") != 0 && strcmp(name, "wait") != 0)
    return ctl_usage_error("--global is an option of set and wait only");
  if ((options.wait_state != 0 || options.timeout != NULL) && strcmp(name, "wait") != 0)
    return ctl_usage_error("%s is an option of wait only",
                           options.timeout != NULL ? "--timeout" :
                           options.wait_state == OM_STATE_ONLINE ? "--online" : "--offline");
  output_mode_detect(&options.mode);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(name, commands[i].name) == 0)
      return commands[i].run(&options, argc - optind - 1, argv + optind + 1);
  return ctl_usage_error("unknown command '%s'", name);
}
