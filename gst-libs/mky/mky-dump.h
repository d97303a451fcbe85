/* mky: MIKEY protocol core
 * Human-readable and JSON dumps of messages and payload chains, printed
 * from the payload descriptions: every field under its RFC name.
 *
 * Text: one block per payload, "TYPE (offset O, length L)" (no offset for
 * a payload never serialized), then one "name: value" line per field.
 * Integers of 32 bits or more (identifiers, SSRC, ROC, timestamps) are
 * fixed-width hex, smaller ones decimal; a value with a registered name
 * adds it: "data type: 0 (Pre-shared)". Bytes are hex, text fields (ID
 * data...) also quoted when printable. Key material shows as
 * "<hidden, N bytes>" unless MKY_DUMP_SHOW_SECRETS is given. Length and
 * count fields are left out: the data they measure says it.
 *
 * JSON: {"hdr": P, "payloads": [P, ...]} (a chain has no "hdr"), where
 * P = {"type": "T", "offset": O|null, "length": L|null, "fields": {...}}.
 * Fields as in the text form; the hex integers are strings ("0x..."),
 * named values {"value": N, "name": "..."|null}, bytes
 * {"len": N, "hex": "..."} with "text" for printable text fields, or
 * {"len": N, "hidden": true}; repeated structures are arrays of objects.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "mky-message.h"

G_BEGIN_DECLS

typedef enum {
  MKY_DUMP_DEFAULT = 0,
  MKY_DUMP_SHOW_SECRETS = 1 << 0,       /* print key material in hex */
} MkyDumpFlags;

char *mky_dump_message (const MkyMessage *msg, MkyDumpFlags flags);
/* A payload chain, e.g. the decrypted contents of a KEMAC */
char *mky_dump_chain (GPtrArray *payloads, MkyDumpFlags flags);

char *mky_dump_message_json (const MkyMessage *msg, MkyDumpFlags flags);
char *mky_dump_chain_json (GPtrArray *payloads, MkyDumpFlags flags);

G_END_DECLS
