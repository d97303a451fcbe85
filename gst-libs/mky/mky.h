/* mky: MIKEY protocol core, umbrella header
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <mky/mky-enums.h>
#include <mky/mky-error.h>
#include <mky/mky-payload.h>
#include <mky/mky-message.h>
#include <mky/mky-prf.h>
#include <mky/mky-config.h>
#include <mky/mky-pki.h>
#include <mky/mky-dh.h>
#include <mky/mky-sign.h>
#include <mky/mky-kemac.h>
#include <mky/mky-time.h>
#include <mky/mky-replay.h>
#include <mky/mky-csb.h>
#include <mky/mky-psk.h>
#include <mky/mky-rsa-r.h>
#include <mky/mky-pk.h>
#include <mky/mky-dh-mode.h>
#include <mky/mky-srtp.h>
#include <mky/mky-rfc4567.h>
#include <mky/mky-dump.h>
