#include "errors.h"

#include "offlinemgr-bus.h"

G_DEFINE_QUARK(om-error-quark, om_error)

static const char *
bus_name(OmErrorCode code)
{
  static const char *const names[] = {
    [OM_ERROR_INVALID_ARGS] = OM_BUS_ERROR_INVALID_ARGS,
    [OM_ERROR_NOT_FOUND] = OM_BUS_ERROR_NOT_FOUND,
    [OM_ERROR_PENDING] = OM_BUS_ERROR_PENDING,
    [OM_ERROR_ALREADY_EXISTS] = OM_BUS_ERROR_ALREADY_EXISTS,
    [OM_ERROR_LIMIT_EXCEEDED] = OM_BUS_ERROR_LIMIT_EXCEEDED,
    [OM_ERROR_FAILED] = OM_BUS_ERROR_FAILED,
  };

  if ((guint)code < G_N_ELEMENTS(names))
    return names[code];
  return names[OM_ERROR_FAILED];
}

static int
set_valid(sd_bus_error *ret_error, OmErrorCode code, const char *message)
{
  g_autofree char *valid = g_utf8_make_valid(message, -1);

  return sd_bus_error_set(ret_error, bus_name(code), valid);
}

int
om_bus_error_set(sd_bus_error *ret_error, OmErrorCode code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start(ap, format);
  message = g_strdup_vprintf(format, ap);
  va_end(ap);
  return set_valid(ret_error, code, message);
}

int
om_bus_error_set_gerror(sd_bus_error *ret_error, const GError *error)
{
  return set_valid(ret_error, error->domain == OM_ERROR ? error->code : OM_ERROR_FAILED,
                   error->message);
}
