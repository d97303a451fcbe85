/* mky: MIKEY protocol core
 * RFC 4567 carriage of MIKEY messages: the SDP key-mgmt attribute (§3.1),
 * the RTSP KeyMgmt header (§3.2) and the "SDP IDs" General Extension that
 * authenticates the offered protocol list against bidding-down (§4.1.4,
 * §7). Base64 is read strictly: MKY_ERROR_BAD_ENCODING for any junk.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "mky-payload.h"

G_BEGIN_DECLS

/* "key-mgmt:mikey <base64>", the attribute to put after "a=" */
char *mky_sdp_key_mgmt_attr (GBytes *msg);

/* The message of one attribute: "a=key-mgmt:mikey <base64>",
 * "key-mgmt:mikey <base64>" or the value "mikey <base64>", with or
 * without the line's CR LF. Another protocol than mikey is
 * MKY_ERROR_UNSUPPORTED_VALUE. */
GBytes *mky_sdp_key_mgmt_parse (const char *line, GError **error);

/* The MIKEY message of media @media_index (0 for the first m= line) or,
 * with -1, of the session level. Any key-mgmt attribute of the media
 * overrides the session level; a media without one falls back to it.
 * MKY_ERROR_MISSING_PAYLOAD when no mikey attribute applies. */
GBytes *mky_sdp_find_key_mgmt (const char *sdp, int media_index,
    GError **error);

/* The KeyMgmt header value: prot=mikey; uri="<uri>"; data="<base64>";
 * the uri part is left out when @uri is NULL. */
char *mky_rtsp_key_mgmt_header (const char *uri, GBytes *msg);

/* The message of the first prot=mikey key-mgmt-spec of a KeyMgmt header
 * value (the "KeyMgmt:" name may lead). @uri_out gets its uri, or NULL. */
GBytes *mky_rtsp_key_mgmt_parse (const char *value, char **uri_out,
    GError **error);

/* General Extension type 1: the offered KMPIDs in SDP order, ';'
 * separated, ASCII without terminator (e.g. "mikey;keyp1;keyp2"). */
void mky_sdp_ids_set (MkyGenExt *ext, const char *const *ids);
char **mky_sdp_ids_get (const MkyGenExt *ext, GError **error);

G_END_DECLS
