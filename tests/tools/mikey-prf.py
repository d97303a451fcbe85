#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The MIKEY PRFs written from the RFC text, apart from the C code, to check
gst-mikey-1.0 derive against: RFC 3830 §4.1.2 (MIKEY-1, HMAC-SHA-1) and
RFC 6043 §6.1 (PRF-HMAC-SHA-256: SHA-256, and 256 instead of 160).

  mikey-prf.py PRF raw INKEY LABEL BITS
      PRF(inkey, label), BITS long, in hex
  mikey-prf.py PRF tgk TGK CS_ID CSB_ID RAND KEY_LEN SALT_LEN
      "tek: <hex>" and "salt: <hex>" of RFC 3830 §4.1.3
PRF is mikey-1 or hmac-sha-256; keys, labels, CSB_ID and RAND in hex.
"""
import hashlib
import hmac
import math
import sys

HASHES = {"mikey-1": (hashlib.sha1, 160), "hmac-sha-256": (hashlib.sha256, 256)}
CONST_TEK = 0x2AD01C64
CONST_SALT = 0x39A2C14B


def p(h, s, label, m):
    """P(s, label, m) = HMAC(s, A_1 || label) || ... || HMAC(s, A_m || label),
    A_0 = label, A_i = HMAC(s, A_(i-1))"""
    a, out = label, b""
    for _ in range(m):
        a = hmac.new(s, a, h).digest()
        out += hmac.new(s, a + label, h).digest()
    return out


def prf(name, inkey, label, bits):
    h, out_block = HASHES[name]
    n = math.ceil(len(inkey) * 8 / 256)     # inkey = s_1 || ... || s_n
    m = math.ceil(bits / out_block)
    out = bytes(m * out_block // 8)
    for i in range(n):
        s = inkey[32 * i:32 * (i + 1)]
        out = bytes(x ^ y for x, y in zip(out, p(h, s, label, m)))
    return out[:bits // 8]


def main(argv):
    name, mode = argv[1], argv[2]
    if mode == "raw":
        inkey, label, bits = bytes.fromhex(argv[3]), bytes.fromhex(argv[4]), int(argv[5])
        print(prf(name, inkey, label, bits).hex())
        return
    tgk, cs_id, csb_id, rand = (bytes.fromhex(argv[3]), int(argv[4]),
                                bytes.fromhex(argv[5]), bytes.fromhex(argv[6]))
    key_len, salt_len = int(argv[7]), int(argv[8])
    for what, const, length in (("tek", CONST_TEK, key_len),
                                ("salt", CONST_SALT, salt_len)):
        label = const.to_bytes(4, "big") + bytes([cs_id]) + csb_id + rand
        print("%s: %s" % (what, prf(name, tgk, label, 8 * length).hex()))


if __name__ == "__main__":
    main(sys.argv)
