/* Helpers shared by the core tests. */
#pragma once

#include <glib.h>

/* Hex string (spaces allowed) to bytes; aborts the test on bad input. */
static inline GBytes *
test_hex (const char *hex)
{
  GByteArray *a = g_byte_array_new ();
  for (const char *p = hex; *p;) {
    guint8 b;
    if (g_ascii_isspace (*p)) {
      p++;
      continue;
    }
    g_assert_true (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
    b = g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]);
    g_byte_array_append (a, &b, 1);
    p += 2;
  }
  return g_byte_array_free_to_bytes (a);
}

#define test_assert_bytes(data, len, hex) G_STMT_START { \
    g_autoptr (GBytes) _want = test_hex (hex); \
    g_assert_cmpmem ((data), (len), g_bytes_get_data (_want, NULL), \
        g_bytes_get_size (_want)); \
  } G_STMT_END
