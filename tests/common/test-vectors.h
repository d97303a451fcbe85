/* Test vectors the tests share, and the helpers to read them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <mky/mky.h>

/* RFC 4567 §5.1: Alice's PSK I_MESSAGE (132 bytes) and Bob's verification
 * message (71 bytes). Macros, so that they can be pasted into SDP text; the
 * RFC wraps them over lines, an SDP line cannot. */
#define TEST_RFC4567_INIT_B64 \
  "AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGEEoo2pee4hp2" \
  "UaDX8ZE22YwKAAAPZG9uYWxkQGR1Y2suY29tAQAAAAAAAQAk0JKpgaVkDaawi9whVBtBt" \
  "0KZ14ymNuu62+Nv3ozPLygwK/GbAV9iemnGUIZ19fWQUOSrzKTAv9zV"
#define TEST_RFC4567_RESP_B64 \
  "AQEFgM0XflABAAAAAAAAAAAAAAYAyONQ6gAAAAAJAAAQbWlja2" \
  "V5QG1vdXNlLmNvbQABn8HdGE5BMDXFIuGEga+62AgY5cc="

/* Base64 text to bytes */
static inline GBytes *
test_b64 (const char *s)
{
  gsize len;
  guint8 *d = g_base64_decode (s, &len);
  return g_bytes_new_take (d, len);
}

/* Parse @raw, which must be a valid message */
static inline MkyMessage *
test_parse (GBytes *raw)
{
  g_autoptr (GError) error = NULL;
  MkyMessage *msg = mky_message_parse_bytes (raw, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

/* ... given in base64 */
static inline MkyMessage *
test_parse_b64 (const char *s)
{
  g_autoptr (GBytes) raw = test_b64 (s);
  return test_parse (raw);
}
