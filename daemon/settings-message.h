/* Reading an account's settings from the a{sv} of AddAccount and UpdateAccount.
 *
 * Kept apart from the vtables so that the fuzzer drives exactly the code that reads
 * what clients send, without a bus. */
#pragma once

#include <systemd/sd-bus.h>

#include "account-settings.h"

/* Reads the a{sv} at the current position of @m over @settings. Every entry is checked:
 * unknown names, wrong types, bad values and duplicates are InvalidArgs naming the
 * setting; more than OM_SETTINGS_ENTRIES_MAX entries, or an over-long value, is
 * LimitExceeded. @given (may be NULL) says which settings the message had: a discovered
 * account keeps only those as the user's. Returns a negative errno, with @ret_error set
 * where the client is at fault; on error @settings and @given may be partly updated
 * (callers pass a copy). */
int om_settings_message_read(sd_bus_message *m, OmAccountSettings *settings,
                             gboolean given[OM_N_SETTINGS], sd_bus_error *ret_error);
