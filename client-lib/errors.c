/* Error codes, their texts, and the mapping of D-Bus error names onto them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client-private.h"

const char *
om_error_code_to_string(int code)
{
  switch (code) {
  case 0:
    return "success";
  case OM_E_INVALID_ARGS:
    return "invalid arguments";
  case OM_E_NOT_FOUND:
    return "no such account";
  case OM_E_NO_DAEMON:
    return "offlinemgrd is not running";
  case OM_E_TIMEOUT:
    return "offlinemgrd did not answer in time";
  case OM_E_NO_BUS:
    return "no connection to the session bus";
  case OM_E_PENDING:
    return "a transition is under way";
  case OM_E_ALREADY_EXISTS:
    return "the account already exists";
  case OM_E_LIMIT_EXCEEDED:
    return "limit exceeded";
  case OM_E_ACCESS_DENIED:
    return "access denied";
  case OM_E_NO_MEMORY:
    return "out of memory";
  case OM_E_FAILED:
    return "failed";
  default:
    return "unknown error";
  }
}

int
om_set_error(OmError *error, int code, const char *name, const char *format, ...)
{
  va_list ap;

  if (error == NULL)
    return code;
  error->code = code;
  snprintf(error->name, sizeof error->name, "%s", name != NULL ? name : "");
  va_start(ap, format);
  vsnprintf(error->message, sizeof error->message, format, ap);
  va_end(ap);
  return code;
}

static const struct {
  const char *name;
  int code;
} bus_errors[] = {
  { OM_BUS_ERROR_INVALID_ARGS, OM_E_INVALID_ARGS },
  { OM_BUS_ERROR_NOT_FOUND, OM_E_NOT_FOUND },
  { OM_BUS_ERROR_PENDING, OM_E_PENDING },
  { OM_BUS_ERROR_ALREADY_EXISTS, OM_E_ALREADY_EXISTS },
  { OM_BUS_ERROR_LIMIT_EXCEEDED, OM_E_LIMIT_EXCEEDED },
  { OM_BUS_ERROR_FAILED, OM_E_FAILED },
  { DBUS_ERROR_INVALID_ARGS, OM_E_INVALID_ARGS },
  { DBUS_ERROR_UNKNOWN_OBJECT, OM_E_NOT_FOUND },
  { DBUS_ERROR_SERVICE_UNKNOWN, OM_E_NO_DAEMON },
  { DBUS_ERROR_NAME_HAS_NO_OWNER, OM_E_NO_DAEMON },
  { DBUS_ERROR_NO_REPLY, OM_E_TIMEOUT },
  { DBUS_ERROR_TIMEOUT, OM_E_TIMEOUT },
  { DBUS_ERROR_TIMED_OUT, OM_E_TIMEOUT },
  { DBUS_ERROR_DISCONNECTED, OM_E_NO_BUS },
  { DBUS_ERROR_NO_SERVER, OM_E_NO_BUS },
  { DBUS_ERROR_NO_NETWORK, OM_E_NO_BUS },
  { DBUS_ERROR_FILE_NOT_FOUND, OM_E_NO_BUS },
  { DBUS_ERROR_BAD_ADDRESS, OM_E_NO_BUS },
  { DBUS_ERROR_ACCESS_DENIED, OM_E_ACCESS_DENIED },
  { DBUS_ERROR_AUTH_FAILED, OM_E_ACCESS_DENIED },
  { DBUS_ERROR_NO_MEMORY, OM_E_NO_MEMORY },
  { DBUS_ERROR_LIMITS_EXCEEDED, OM_E_LIMIT_EXCEEDED },
};

int
om_error_code_from_bus_name(const char *name)
{
  if (name == NULL)
    return OM_E_FAILED;
  for (size_t i = 0; i < sizeof bus_errors / sizeof bus_errors[0]; i++)
    if (strcmp(name, bus_errors[i].name) == 0)
      return bus_errors[i].code;
  /* Activation failures: the bus could not start the daemon. */
  if (strncmp(name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0)
    return OM_E_NO_DAEMON;
  return OM_E_FAILED;
}

int
om_set_error_from_bus(OmError *error, const DBusError *bus_error)
{
  int code = om_error_code_from_bus_name(bus_error->name);
  const char *message = bus_error->message != NULL ? bus_error->message : "";

  switch (code) {
  case OM_E_NO_DAEMON:
    return om_set_error(error, code, bus_error->name,
                        "offlinemgrd is not running and could not be started: %s", message);
  case OM_E_TIMEOUT:
    return om_set_error(error, code, bus_error->name, "offlinemgrd did not answer: %s",
                        message);
  case OM_E_NO_BUS:
    return om_set_error(error, code, bus_error->name, "Cannot reach the session bus: %s",
                        message);
  default:
    return om_set_error(error, code, bus_error->name, "%s", message);
  }
}
