#include "errors.h"

G_DEFINE_QUARK(om-error-quark, om_error)

const char *
om_error_to_bus_name(const GError *error)
{
  static const char *const names[] = {
    [OM_ERROR_INVALID_ARGS] = OM_ERROR_PREFIX "InvalidArgs",
    [OM_ERROR_NOT_FOUND] = OM_ERROR_PREFIX "NotFound",
    [OM_ERROR_PENDING] = OM_ERROR_PREFIX "Pending",
    [OM_ERROR_ALREADY_EXISTS] = OM_ERROR_PREFIX "AlreadyExists",
    [OM_ERROR_LIMIT_EXCEEDED] = OM_ERROR_PREFIX "LimitExceeded",
    [OM_ERROR_FAILED] = OM_ERROR_PREFIX "Failed",
  };

  if (error->domain == OM_ERROR && error->code >= 0 && (gsize)error->code < G_N_ELEMENTS(names))
    return names[error->code];
  return names[OM_ERROR_FAILED];
}
