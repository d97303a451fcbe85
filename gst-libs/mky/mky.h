/* mky: MIKEY protocol core, umbrella header
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <mky/mky-enums.h>
#include <mky/mky-error.h>
#include <mky/mky-payload.h>
#include <mky/mky-message.h>
