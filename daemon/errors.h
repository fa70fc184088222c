/* Errors the daemon reports to clients, as a GError domain that maps 1:1 onto the bus
 * error names of offlinemgr-bus.h (OM_BUS_ERROR_*). */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "offlinemgr-bus.h"

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

/* The bus error name for a GError of any domain (other domains map to Failed). */
const char *om_error_to_bus_name(const GError *error);

/* Sets an sd-bus error to send to a client, with the message made valid UTF-8: messages
 * quote what clients and files contained, cut to a length, and sd-bus cannot send an
 * error whose message is not UTF-8 (the caller would get no answer at all). Return a
 * negative errno, for a method handler to return. */
int om_bus_error_set(sd_bus_error *ret_error, const char *name, const char *format, ...)
  G_GNUC_PRINTF(3, 4);
int om_bus_error_set_gerror(sd_bus_error *ret_error, const GError *error);
