/* The errors the daemon reports to clients: one code per bus error name of
 * offlinemgr-bus.h, and the one table between them. Engine code fails with a GError in
 * OM_ERROR; the bus code raises it, or a code directly, through this table. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#define OM_ERROR (om_error_quark())
GQuark om_error_quark(void);

typedef enum {
  OM_ERROR_INVALID_ARGS,
  OM_ERROR_NOT_FOUND,
  OM_ERROR_PENDING,
  OM_ERROR_ALREADY_EXISTS,
  OM_ERROR_LIMIT_EXCEEDED,
  OM_ERROR_FAILED,
} OmErrorCode;

/* Sets an sd-bus error to send to a client: the bus name of @code, and the message made
 * valid UTF-8 (messages quote what clients and files contained, cut to a length, and
 * sd-bus cannot send an error whose message is not UTF-8: the caller would get no answer
 * at all). Returns a negative errno, for a method handler to return. */
int om_bus_error_set(sd_bus_error *ret_error, OmErrorCode code, const char *format, ...)
  G_GNUC_PRINTF(3, 4);
/* The same for a GError; errors of other domains are Failed. */
int om_bus_error_set_gerror(sd_bus_error *ret_error, const GError *error);
