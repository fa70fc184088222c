/* The bus vocabulary of org.offlinemgr.OfflineMgr1: its name, object paths, interfaces,
 * signals and error names, as the interface XML beside this file defines them. The one
 * place C code spells them: the daemon, libofflinemgr, offlinemgrctl, the GIO module and
 * the benchmarks include this; the Python tests read the names from the XML. Not
 * installed. */
#pragma once

#define OM_BUS_NAME "org.offlinemgr.OfflineMgr1"

/* The global offline object and the Manager; accounts are below OM_ACCOUNT_PATH_PREFIX,
 * their ids encoded as sd_bus_path_encode() does (docs/design.md, "Bus contract"). */
#define OM_ROOT_PATH "/org/offlinemgr/OfflineMgr1"
#define OM_ACCOUNT_PATH_PREFIX OM_ROOT_PATH "/account"

#define OM_IFACE_OFFLINE OM_BUS_NAME ".Offline"
#define OM_IFACE_MANAGER OM_BUS_NAME ".Manager"
#define OM_IFACE_ACCOUNT OM_BUS_NAME ".Account"

#define OM_SIGNAL_STATE_CHANGED "StateChanged"      /* on each offline object */
#define OM_SIGNAL_STATES_CHANGED "StatesChanged"    /* on the Manager: a turn's phases */

/* One macro per error; every error the daemon raises is one of these. */
#define OM_BUS_ERROR_PREFIX OM_BUS_NAME ".Error."
#define OM_BUS_ERROR_INVALID_ARGS OM_BUS_ERROR_PREFIX "InvalidArgs"
#define OM_BUS_ERROR_NOT_FOUND OM_BUS_ERROR_PREFIX "NotFound"
#define OM_BUS_ERROR_PENDING OM_BUS_ERROR_PREFIX "Pending"
#define OM_BUS_ERROR_ALREADY_EXISTS OM_BUS_ERROR_PREFIX "AlreadyExists"
#define OM_BUS_ERROR_LIMIT_EXCEEDED OM_BUS_ERROR_PREFIX "LimitExceeded"
#define OM_BUS_ERROR_FAILED OM_BUS_ERROR_PREFIX "Failed"
