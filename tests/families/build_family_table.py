#!/usr/bin/env python3
"""Builds proxy/families/family_table.cpp, the client family table, from real ClientHellos.

Sources, read at generation time and never copied into the tree:
  - testssl.sh's client simulation data, /etc/testssl/client-simulation.txt (Debian package
    testssl.sh): 162 labelled hellos (field `handshakebytes`: the hello with its 5-byte record
    header, in hex; field `names`: the client). Two are SSLv2-compatible hellos (IE 6 XP,
    Java 6u45): they are converted the way BoringSSL's server converts a V2ClientHello before its
    early callback sees it (ssl/s3_both.cc, read_v2_client_hello: the version, the 3-byte cipher
    specs whose first byte is 0 as TLS suites, null compression, no extensions).
  - tests/families/captures/*.txt: hellos of the clients installable on Debian 12, made by
    capture_clients.py, with their command lines.

Every capture is labelled with a family by the explicit rules below (FAMILIES, TESTSSL_RULES,
CAPTURE_RULES). Then, per family, the captures in a fixed order (testssl's file order, then the
capture files by name and line) are numbered from 0 and every one whose number is 1 modulo 4 is
HELD OUT: it stays out of the table and is used only to evaluate the matcher (so every family
with two or more captures has at least one held out). The rest go into the table, one entry per
distinct exact key (see exact_key); when captures of different families share a key (the same
hello sent by different software), SHARED_HELLOS says which family owns the entry (a new such
collision stops the script until someone decides), and the entry's comment names every capture
it came from. Families left without an entry are dropped.

Outputs:
  proxy/families/family_table.cpp   the generated table (do not edit)
  tests/families/evaluation.tsv     every capture: table or held-out, its label, what the
                                    matcher must answer for it, and where to find its bytes

  tests/families/build_family_table.py           write both
  tests/families/build_family_table.py --check   exit 1 if either differs from what is committed
"""
import collections
import hashlib
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TESTSSL = pathlib.Path("/etc/testssl/client-simulation.txt")
CAPTURES = HERE / "captures"
TABLE_CPP = ROOT / "proxy/families/family_table.cpp"
EVALUATION = HERE / "evaluation.tsv"

# Must match proxy/families/family_table.h.
MAX_UNIVERSE = 256
KINDS = ("ciphers", "extensions", "groups", "sigalgs")
# Extensions left out of the key and of every comparison: they depend on the connection, not on
# the software. SNI (0) is omitted for IP addresses; padding (21) appears only when the hello,
# SNI included, falls in a size band; pre_shared_key (41) and early_data (42) only on
# resumption; cookie (44) only in a second hello.
VOLATILE_EXTENSIONS = {0, 21, 41, 42, 44}
MAX_ALPN_KEPT = 8  # proxy/hello's kMaxAlpnKept

# --- families (their order is the table's) -------------------------------------------------
# id: (name, advice, link). The id is the metric label value.
NET_TLS = "https://learn.microsoft.com/en-us/dotnet/framework/network-programming/tls"
SCHANNEL_PROTOCOLS = ("https://learn.microsoft.com/en-us/windows/win32/secauthn/"
                      "protocols-in-tls-ssl--schannel-ssp-")
JSSE8 = "https://docs.oracle.com/javase/8/docs/technotes/guides/security/jsse/JSSERefGuide.html"
ANDROID_SSLSOCKET = "https://developer.android.com/reference/javax/net/ssl/SSLSocket"
OPENSSL_PROTO = "https://www.openssl.org/docs/man3.0/man3/SSL_CTX_set_min_proto_version.html"
FAMILIES = {
    "schannel-xp": (
        "Windows XP / Server 2003 (SChannel: IE, .NET Framework, other SChannel clients)",
        "SChannel on XP and Server 2003 cannot speak TLS 1.2 whatever the application (IE or a "
        ".NET Framework app alike): replace or upgrade the machine.",
        SCHANNEL_PROTOCOLS),
    "schannel-vista": (
        "Windows Vista / Server 2008 (SChannel: IE, .NET Framework, other SChannel clients)",
        "Server 2008 SP2 needs update KB4019276 for TLS 1.1/1.2 (and .NET Framework apps there "
        "SchUseStrongCrypto); Vista has no such update: replace it.",
        "https://support.microsoft.com/help/4019276"),
    "schannel-win7": (
        "Windows 7 / Server 2008 R2 (SChannel), TLS 1.2 off",
        "TLS 1.1/1.2 exist but are off for SChannel clients: enable them (KB3140245 for WinHTTP, "
        "the SChannel client registry keys) and, for .NET Framework before 4.6.2, set "
        "SchUseStrongCrypto and SystemDefaultTlsVersions.",
        "https://support.microsoft.com/help/3140245"),
    "schannel-win7-tls12": (
        "Windows 7 / Server 2008 R2 (SChannel), TLS 1.2 on",
        "This SChannel offers TLS 1.2, so a legacy handshake means the application pinned an old "
        "version: for .NET Framework before 4.6.2 set SchUseStrongCrypto and "
        "SystemDefaultTlsVersions (or target 4.6.2+), for WinHTTP apply KB3140245.",
        NET_TLS),
    "schannel-win8.1": (
        "Windows 8 / 8.1 / Server 2012 (R2) / Windows Phone 8.x (SChannel)",
        "SChannel here offers TLS 1.2 by default, so a legacy handshake means the application "
        "pinned an old version: for .NET Framework before 4.6.2 set SchUseStrongCrypto and "
        "SystemDefaultTlsVersions, or target 4.6.2+.",
        NET_TLS),
    "schannel-win10": (
        "Windows 10/11 / Server 2016+ (SChannel: IE 11, Edge Legacy, .NET Framework)",
        "SChannel here offers TLS 1.2 by default, so a legacy handshake means the application "
        "pinned an old version: for .NET Framework before 4.6.2 set SchUseStrongCrypto and "
        "SystemDefaultTlsVersions, or target 4.6.2+.",
        NET_TLS),
    "java6": (
        "Java 6 (JSSE), or Android 2.3 (the same hello)",
        "Java 6 public releases and Android 2.3 offer only TLS 1.0: move the application to "
        "Java 8 or later, replace the device.",
        JSSE8),
    "java7": (
        "Java 7 (JSSE)",
        "Java 7 clients offer TLS 1.0 unless told otherwise: set "
        "-Djdk.tls.client.protocols=TLSv1.2 (7u95+) or https.protocols, or move to Java 8+.",
        JSSE8),
    "java8": (
        "Java 8 (JSSE)",
        "Java 8 offers TLS 1.2 by default, so a legacy handshake means jdk.tls.client.protocols, "
        "https.protocols or SSLContext.getInstance(\"TLSv1\") pins an old version: remove it.",
        JSSE8),
    "java9plus": (
        "Java 9 and later (JSSE)",
        "Java 9+ offers TLS 1.2/1.3 by default, so a legacy handshake means "
        "jdk.tls.client.protocols, https.protocols or the SSLContext pins an old version: "
        "remove it.",
        "https://docs.oracle.com/en/java/javase/17/security/"
        "java-secure-socket-extension-jsse-reference-guide.html"),
    "android-2.3": (
        "Android 2.3",
        "Android 2.3 offers only TLS 1.0: the device cannot be fixed, only replaced.",
        ANDROID_SSLSOCKET),
    "android-4.0": (
        "Android 4.0",
        "Android 4.0 offers only TLS 1.0: the device cannot be fixed, only replaced.",
        ANDROID_SSLSOCKET),
    "android-4.1-4.3": (
        "Android 4.1-4.3",
        "TLS 1.1/1.2 exist from Android 4.1 but are off by default: the app must enable them on "
        "its SSLSocket, or the device be replaced.",
        ANDROID_SSLSOCKET),
    "android-4.4": (
        "Android 4.4",
        "Android 4.4 apps get TLS 1.2 only where enabled on the SSLSocket: have the app enable it "
        "(or update its security provider), or replace the device.",
        ANDROID_SSLSOCKET),
    "android-5-6": (
        "Android 5-6",
        "Android 5+ offers TLS 1.2 by default, so a legacy handshake means the app restricted "
        "its SSLSocket's protocols: fix the app.",
        ANDROID_SSLSOCKET),
    "android-7-8": (
        "Android 7-8",
        "Android 7+ offers TLS 1.2 by default, so a legacy handshake means the app restricted "
        "its SSLSocket's protocols: fix the app.",
        ANDROID_SSLSOCKET),
    "android-9plus": (
        "Android 9 and later",
        "Android 9+ offers TLS 1.2/1.3 by default, so a legacy handshake means the app "
        "restricted its SSLSocket's protocols: fix the app.",
        ANDROID_SSLSOCKET),
    "openssl-0.9.8": (
        "OpenSSL 0.9.8 client",
        "OpenSSL 0.9.8 cannot speak TLS 1.1/1.2: rebuild or replace the client with a supported "
        "OpenSSL.",
        "https://www.openssl.org/source/"),
    "openssl-1.0.1plus": (
        "OpenSSL 1.0.1-1.1.0 client",
        "This OpenSSL offers TLS 1.2, so a legacy handshake means the application pinned an old "
        "version (TLSv1_client_method, SSL_CTX_set_max_proto_version): remove the pin.",
        "https://www.openssl.org/docs/man1.1.1/man3/SSL_CTX_set_min_proto_version.html"),
    "openssl-1.1.1plus": (
        "OpenSSL 1.1.1 / 3.x client (openssl s_client, Python ssl, others on OpenSSL defaults)",
        "This OpenSSL offers TLS 1.2/1.3, so a legacy handshake means the application pinned an "
        "old version (s_client -tls1, Python's SSLContext.maximum_version, a @SECLEVEL=0 cipher "
        "string): remove the pin.",
        OPENSSL_PROTO),
    "libressl": (
        "LibreSSL client (macOS's openssl and curl)",
        "LibreSSL offers TLS 1.2, so a legacy handshake means the application pinned an old "
        "version: remove the pin.",
        "https://www.libressl.org/"),
    "gnutls": (
        "GnuTLS client (gnutls-cli, wget, others)",
        "GnuTLS offers TLS 1.2/1.3 by default, so a legacy handshake means a priority string "
        "(e.g. -VERS-TLS1.2) pins an old version: fix the application's priority string.",
        "https://gnutls.org/manual/html_node/Priority-Strings.html"),
    "go": (
        "Go crypto/tls",
        "Go offers TLS 1.2+ by default, so a legacy handshake means tls.Config.MaxVersion (or "
        "MinVersion below TLS 1.2) is set: remove it.",
        "https://pkg.go.dev/crypto/tls#Config"),
    "node": (
        "Node.js tls",
        "Node offers TLS 1.2/1.3 by default, so a legacy handshake means minVersion/maxVersion "
        "or --tls-max-v1.x pins an old version: remove it.",
        "https://nodejs.org/api/tls.html"),
    "curl": (
        "curl / libcurl (OpenSSL build)",
        "curl offers TLS 1.2/1.3 by default, so a legacy handshake means --tls-max, --tlsv1.0 or "
        "CURLOPT_SSLVERSION pins an old version: remove it.",
        "https://curl.se/docs/manpage.html"),
    "chromium": (
        "Chrome, Edge 79+, Opera 15+ and other Chromium browsers",
        "Current Chromium browsers speak TLS 1.2/1.3 only: update the browser.",
        "https://support.google.com/chrome/answer/95414"),
    "firefox": (
        "Firefox, Thunderbird, Tor Browser (NSS)",
        "Current Firefox speaks TLS 1.2/1.3 only: update the browser or mail client.",
        "https://support.mozilla.org/kb/update-firefox-latest-release"),
    "opera-presto": (
        "Opera 12 and earlier (Presto)",
        "Opera's Presto engine is no longer maintained: move to a current browser.",
        "https://www.opera.com/"),
    "safari-legacy": (
        "Safari / iOS up to 8, OS X up to 10.10 (Secure Transport)",
        "Update iOS or macOS, or replace devices that cannot be updated.",
        "https://support.apple.com/en-us/HT201222"),
    "safari": (
        "Safari / iOS 9+, macOS 10.11+, Apple Mail (Apple's TLS stack)",
        "Current Apple systems speak TLS 1.2/1.3: update iOS or macOS.",
        "https://support.apple.com/en-us/HT201222"),
    "googlebot": (
        "Googlebot",
        "A search crawler: verify it by reverse DNS before granting an exception; Google's "
        "current crawlers speak TLS 1.2+.",
        "https://developers.google.com/search/docs/crawling-indexing/googlebot"),
    "bingbot": (
        "Bingbot / BingPreview",
        "A search crawler: verify it by reverse DNS before granting an exception; current "
        "Bing crawlers speak TLS 1.2+.",
        "https://www.bing.com/webmasters/help/which-crawlers-does-bing-use-8c184ec0"),
    "baiduspider": (
        "Baiduspider",
        "A search crawler: verify it by reverse DNS before granting an exception.",
        "https://www.baidu.com/search/robots_english.html"),
    "yahoo-slurp": (
        "Yahoo Slurp",
        "A search crawler: verify it by reverse DNS before granting an exception.",
        "https://help.yahoo.com/kb/SLN22600.html"),
    "yandexbot": (
        "YandexBot",
        "A search crawler: verify it by reverse DNS before granting an exception.",
        "https://yandex.com/support/webmaster/robot-workings/check-yandex-robots.html"),
}

# testssl client name -> family: the first rule whose pattern matches (re.match) wins, and
# every name must match one.
TESTSSL_RULES = [
    (r"IE [678] XP", "schannel-xp"),
    (r"IE 7 Vista", "schannel-vista"),
    (r"IE (8|9|8-10) Win 7", "schannel-win7"),
    (r"IE 11 Win 7", "schannel-win7-tls12"),
    (r"IE 1[01] Win (8\.1|Phone 8)", "schannel-win8.1"),
    (r"IE 11 Win 10|Edge 1[2-7]\b", "schannel-win10"),
    (r"Java 6u", "java6"),
    (r"Java 7u", "java7"),
    (r"Java 8", "java8"),
    (r"Java (9|1\d)\.", "java9plus"),
    (r"Android 2\.", "android-2.3"),
    (r"Android 4\.0", "android-4.0"),
    (r"Android 4\.[123]", "android-4.1-4.3"),
    (r"Android 4\.4", "android-4.4"),
    (r"Android [56]\.", "android-5-6"),
    (r"Android [78]\.", "android-7-8"),
    (r"Android (9|1\d)", "android-9plus"),
    (r"OpenSSL 0\.9\.8", "openssl-0.9.8"),
    (r"OpenSSL 1\.(0\.[12]|1\.0)", "openssl-1.0.1plus"),
    (r"OpenSSL (1\.1\.1|3\.)", "openssl-1.1.1plus"),
    (r"LibreSSL", "libressl"),
    (r"go ", "go"),
    (r"Chrome |Opera (1[5-9]|[2-9]\d)\b|Edge 101", "chromium"),
    (r"Firefox |Thunderbird|Tor ", "firefox"),
    (r"Opera 12", "opera-presto"),
    (r"Safari [5-8][ .]", "safari-legacy"),
    (r"Safari (9|1\d)[ .]|Apple ATS|Apple Mail", "safari"),
    (r"Googlebot", "googlebot"),
    (r"Bing", "bingbot"),
    (r"Baidu", "baiduspider"),
    (r"Yahoo Slurp", "yahoo-slurp"),
    (r"YandexBot", "yandexbot"),
]

# Hellos that captures of several families send byte for byte (GREASE, SNI and padding aside):
# the families -> the one that owns the table entry, and why.
SHARED_HELLOS = {
    frozenset({"java6", "android-2.3"}): (
        "java6", "Android 2.3's Harmony JSSE offers Java 6's suites in Java 6's order"),
    frozenset({"openssl-0.9.8", "yandexbot"}): (
        "openssl-0.9.8", "YandexBot of May 2014 was an OpenSSL 0.9.8 client"),
    frozenset({"baiduspider", "yahoo-slurp"}): (
        "baiduspider", "Baidu has no other capture; Yahoo Slurp keeps two"),
    frozenset({"chromium", "android-9plus"}): (
        "chromium", "Android 9-10's platform TLS is the BoringSSL of Chrome 70-79"),
    frozenset({"node", "openssl-1.1.1plus"}): (
        "openssl-1.1.1plus", "Node pinned to TLS 1.3 sends OpenSSL's TLS 1.3-only hello"),
}

# Own capture id prefix -> family. Python's ssl module on Debian 12 sends OpenSSL's own default
# hello (Python 3.10+ keeps OpenSSL's cipher defaults), so it is labelled with the OpenSSL family
# whose name covers it; Node and curl change the hello (their own cipher list, ALPN) and keep
# families of their own; wget is a GnuTLS client on Debian.
CAPTURE_RULES = {
    "openssl-": "openssl-1.1.1plus",
    "python-": "openssl-1.1.1plus",
    "curl-": "curl",
    "wget-": "gnutls",
    "gnutls-cli-": "gnutls",
    "node-": "node",
    "go-": "go",
    "java-": "java9plus",
    "chromium-": "chromium",
}


# --- reading hellos --------------------------------------------------------------------------

def is_grease(value: int) -> bool:
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise ValueError("truncated")
        self.at += count
        return self.data[self.at - count:self.at]

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def vector(self, width: int) -> "Reader":
        return Reader(self.take(int.from_bytes(self.take(width), "big")))

    def done(self) -> bool:
        return self.at == len(self.data)


def u16_list(data: bytes) -> list[int]:
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


def parse_hello(body: bytes) -> dict:
    """The facts proxy/hello's parse_client_hello keeps, from a ClientHello body."""
    reader = Reader(body)
    hello = {"legacy_version": reader.u16(), "extensions": [], "supported_versions": [],
             "has_supported_versions": False, "alpn": [], "groups": [], "sigalgs": [],
             "point_formats": []}
    reader.take(32)
    reader.vector(1)
    hello["ciphers"] = u16_list(reader.vector(2).data)
    hello["compression"] = list(reader.vector(1).data)
    if not reader.done():
        extensions = reader.vector(2)
        while not extensions.done():
            kind, data = extensions.u16(), extensions.vector(2)
            hello["extensions"].append(kind)
            if kind == 10:
                hello["groups"] = u16_list(data.vector(2).data)
            elif kind == 11:
                hello["point_formats"] = list(data.vector(1).data)
            elif kind == 13:
                hello["sigalgs"] = u16_list(data.vector(2).data)
            elif kind == 43:
                hello["has_supported_versions"] = True
                hello["supported_versions"] = u16_list(data.vector(1).data)
            elif kind == 16:
                names = data.vector(2)
                while not names.done():
                    hello["alpn"].append(names.vector(1).data)
    return hello


def v2_to_client_hello(record: bytes) -> bytes:
    """A V2ClientHello record as the TLS ClientHello body BoringSSL synthesises from it."""
    reader = Reader(record[2:2 + (((record[0] & 0x7F) << 8) | record[1])])
    if reader.u8() != 1:
        raise ValueError("not a V2ClientHello")
    version = reader.u16()
    cipher_length, session_length, challenge_length = reader.u16(), reader.u16(), reader.u16()
    specs, _, challenge = (reader.take(cipher_length), reader.take(session_length),
                           reader.take(challenge_length))
    suites = b"".join(specs[i + 1:i + 3] for i in range(0, len(specs), 3) if specs[i] == 0)
    random = (bytes(32) + challenge)[-32:]
    return (version.to_bytes(2, "big") + random + b"\x00" + len(suites).to_bytes(2, "big") +
            suites + b"\x01\x00")


def body_of_record(record: bytes) -> bytes:
    """The ClientHello body of testssl's handshakebytes (5-byte record header, 4-byte
    handshake header), or of an SSLv2-compatible hello."""
    if record[0] & 0x80:
        return v2_to_client_hello(record)
    if record[0] != 0x16 or record[5] != 1:
        raise ValueError("not a handshake record holding a ClientHello")
    return record[9:9 + int.from_bytes(record[6:9], "big")]


# --- what the matcher compares ---------------------------------------------------------------

def features(hello: dict) -> dict:
    """The non-GREASE lists the matcher compares, in the client's order."""
    return {
        "ciphers": [c for c in hello["ciphers"] if not is_grease(c)],
        "extensions": [e for e in hello["extensions"]
                       if not is_grease(e) and e not in VOLATILE_EXTENSIONS],
        "groups": [g for g in hello["groups"] if not is_grease(g)],
        "sigalgs": [s for s in hello["sigalgs"] if not is_grease(s)],
    }


def version_mask(hello: dict) -> int:
    """The versions offered (supported_versions without GREASE, else the legacy version) as bits:
    SSL 3.0 is bit 0 ... TLS 1.3 bit 4; other codes are left out. Mirrors version_mask() in
    proxy/families/family_matcher.cpp."""
    versions = hello["supported_versions"] if hello["has_supported_versions"] else [
        hello["legacy_version"]]
    return sum(1 << (v - 0x0300) for v in set(versions) if 0x0300 <= v <= 0x0304)


FNV_OFFSET, FNV_PRIME, MASK = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


def fnv(state: int, data: bytes) -> int:
    for byte in data:
        state = ((state ^ byte) * FNV_PRIME) & MASK
    return state


def fnv_u16s(state: int, values: list[int]) -> int:
    """A count-prefixed list of 16-bit values, big-endian: sections cannot run into each other."""
    for value in [len(values)] + values:
        state = fnv(state, value.to_bytes(2, "big"))
    return state


def alpn_hash(hello: dict) -> int:
    """FNV-1a over the kept ALPN names (count, then each length and bytes); 0 without any."""
    names = hello["alpn"][:MAX_ALPN_KEPT]
    if not names:
        return 0
    state = fnv_u16s(FNV_OFFSET, [len(names)])
    for name in names:
        state = fnv(fnv_u16s(state, [len(name)]), name)
    return state


def exact_key(hello: dict) -> int:
    """Must match exact_key() in proxy/families/family_matcher.cpp."""
    f = features(hello)
    state = fnv_u16s(FNV_OFFSET, [hello["legacy_version"]])
    state = fnv_u16s(state, [v for v in hello["supported_versions"] if not is_grease(v)])
    state = fnv_u16s(state, f["ciphers"])
    state = fnv_u16s(state, hello["compression"])
    state = fnv_u16s(state, sorted(f["extensions"]))
    state = fnv_u16s(state, f["groups"])
    state = fnv_u16s(state, f["sigalgs"])
    state = fnv_u16s(state, hello["point_formats"])
    return fnv_u16s(state, [alpn_hash(hello) >> shift & 0xFFFF for shift in (48, 32, 16, 0)])


# --- the captures ----------------------------------------------------------------------------

Capture = collections.namedtuple("Capture", "source id family body origin")


def testssl_captures() -> list[Capture]:
    text = TESTSSL.read_text()
    names = re.findall(r'^\s*names\+=\("(.*)"\)', text, re.M)
    records = re.findall(r'^\s*handshakebytes\+=\("(.*)"\)', text, re.M)
    if len(names) != len(records):
        raise SystemExit(f"{TESTSSL}: {len(names)} names but {len(records)} handshakes")
    captures = []
    for name, record in zip(names, records):
        family = next((f for pattern, f in TESTSSL_RULES if re.match(pattern, name)), None)
        if family is None:
            raise SystemExit(f"no family rule for testssl client {name!r}")
        captures.append(Capture("testssl", name, family, body_of_record(bytes.fromhex(record)),
                                f"testssl.sh client-simulation.txt: {name}"))
    return captures


def own_captures() -> list[Capture]:
    captures = []
    for path in sorted(CAPTURES.glob("*.txt")):
        for line in path.read_text().splitlines():
            if not line or line.startswith("#"):
                continue
            capture_id, version, date, _, message = line.split("\t")
            family = next((f for prefix, f in CAPTURE_RULES.items()
                           if capture_id.startswith(prefix)), None)
            if family is None:
                raise SystemExit(f"no family rule for capture {capture_id!r}")
            message = bytes.fromhex(message)
            captures.append(Capture(f"captures/{path.name}", capture_id, family, message[4:],
                                    f"{path.name}: {capture_id} ({version}, {date})"))
    return captures


def capture_date() -> str:
    dates = [line.split("\t")[2] for path in CAPTURES.glob("*.txt")
             for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return max(dates)


def split(captures: list[Capture]) -> tuple[list[Capture], list[Capture]]:
    table, held_out = [], []
    by_family = collections.defaultdict(list)
    for capture in captures:
        by_family[capture.family].append(capture)
    for family_captures in by_family.values():
        for number, capture in enumerate(family_captures):
            (held_out if number % 4 == 1 else table).append(capture)
    return table, held_out


# --- writing the table -----------------------------------------------------------------------

def cpp_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrap(items: list[str], indent: str, width: int = 100) -> list[str]:
    lines, line = [], indent
    for item in items:
        if len(line) + len(item) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += item + " "
    if line.strip():
        lines.append(line.rstrip())
    return lines


def entry_owner(members: list[Capture]) -> str:
    families = frozenset(c.family for c in members)
    if len(families) == 1:
        return next(iter(families))
    if families not in SHARED_HELLOS:
        raise SystemExit("one hello, several families: decide in SHARED_HELLOS: " +
                         ", ".join(f"{c.id} ({c.family})" for c in members))
    return SHARED_HELLOS[families][0]


def generate(captures: list[Capture]) -> tuple[str, str]:
    table, held_out = split(captures)
    parsed = {id(c): parse_hello(c.body) for c in captures}

    groups = collections.defaultdict(list)
    for capture in table:
        groups[exact_key(parsed[id(capture)])].append(capture)
    owner = {key: entry_owner(members) for key, members in groups.items()}
    used = [f for f in FAMILIES if f in owner.values()]
    family_index = {f: i for i, f in enumerate(used)}

    universes = {kind: sorted({v for c in table for v in features(parsed[id(c)])[kind]})
                 for kind in KINDS}
    for kind, values in universes.items():
        if len(values) > MAX_UNIVERSE:
            raise SystemExit(f"{len(values)} {kind} exceed kMaxUniverse ({MAX_UNIVERSE})")
    index_of = {kind: {v: i for i, v in enumerate(values)} for kind, values in universes.items()}

    testssl_sha = hashlib.sha256(TESTSSL.read_bytes()).hexdigest()
    out = [
        f"// Generated by tests/families/build_family_table.py on {capture_date()} (the date of its",
        "// newest capture) from",
        f"//   {TESTSSL} (sha256 {testssl_sha[:16]}...) and",
        "//   tests/families/captures/*.txt;",
        "// do not edit: change the script or its inputs and run it again (ctest checks that this",
        "// file is what the script makes of them). Each entry names the captures it came from.",
        f"// {len(groups)} entries from {len(table)} captures; {len(held_out)} more are held out "
        "for the evaluation",
        "// (tests/families/evaluation.tsv).",
        '#include "proxy/families/family_table.h"',
        "",
        "// clang-format off",
        "namespace tlsfloor::families::table {",
        "namespace {",
        "",
        "constexpr Family kFamilies[] = {",
    ]
    for family in used:
        name, advice, link = FAMILIES[family]
        out += [f"    {{{cpp_string(family)},", f"     {cpp_string(name)},",
                f"     {cpp_string(advice)},", f"     {cpp_string(link)}}},"]
    out += ["};", ""]
    for kind in KINDS:
        out.append(f"constexpr std::uint16_t k{kind.capitalize()}[] = {{")
        out += wrap([f"0x{v:04x}," for v in universes[kind]], "    ")
        out.append("};")
    out += ["", "// Each entry's lists, in the client's order, as indexes into the universes above.",
            "constexpr std::uint8_t kOrder[] = {"]
    order_bytes: list[int] = []
    entries = []
    for key in sorted(groups):
        members = groups[key]
        hello = parsed[id(members[0])]
        f = features(hello)
        lists, bits = [], []
        for kind in KINDS:
            indexes = [index_of[kind][v] for v in f[kind]]
            lists.append((len(order_bytes), len(indexes)))
            order_bytes += indexes
            words = [0] * (MAX_UNIVERSE // 64)
            for i in indexes:
                words[i // 64] |= 1 << (i % 64)
            bits.append((words, len(set(indexes))))
        entries.append((key, members, hello, lists, bits))
    out += wrap([f"{b}," for b in order_bytes], "    ")
    out += ["};", "", "constexpr Entry kEntries[] = {"]
    for key, members, hello, lists, bits in entries:
        family = owner[key]
        for capture in members:
            note = "" if capture.family == family else f" [labelled {capture.family}]"
            out.append(f"    // {capture.origin}{note}")
        families = frozenset(c.family for c in members)
        if len(families) > 1:
            out.append(f"    // one hello, several families: {SHARED_HELLOS[families][1]}")
        fields = [f"0x{key:016x}ULL", f"{family_index[family]}", f"0x{version_mask(hello):02x}",
                  f"0x{alpn_hash(hello):016x}ULL"]
        out.append("    {" + ", ".join(fields) + ",")
        out.append("     {{" + ", ".join(f"{{{o}, {n}}}" for o, n in lists) + "}},")
        bit_items = []
        for words, count in bits:
            bit_items.append("{{" + ", ".join(f"0x{w:x}ULL" for w in words) + f"}}, {count}}}")
        out.append("     {{" + ", ".join(bit_items) + "}}},")
    out += ["};", "", "}  // namespace", "",
            "constinit const Table kTable{",
            "    kFamilies,",
            "    {kCiphers, kExtensions, kGroups, kSigalgs},",
            "    kOrder,",
            "    kEntries,",
            "};", "// clang-format on", "", "}  // namespace tlsfloor::families::table", ""]

    evaluation = [
        "# Generated by tests/families/build_family_table.py; do not edit. One capture a line:",
        "# split (table or held-out), label (the family its rules give it), expected (what the",
        "# matcher must answer: for table captures the family owning their entry, exactly; for",
        "# held-out ones their label), source (testssl, or the capture file), id (testssl's client",
        "# name, or the capture id).",
    ]
    for capture in captures:
        held = capture in held_out
        expected = capture.family if held else owner[exact_key(parsed[id(capture)])]
        evaluation.append("\t".join(["held-out" if held else "table", capture.family, expected,
                                     capture.source, capture.id]))
    return "\n".join(out), "\n".join(evaluation) + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    captures = testssl_captures() + own_captures()
    table_cpp, evaluation = generate(captures)
    outputs = {TABLE_CPP: table_cpp, EVALUATION: evaluation}
    if check:
        stale = [str(path.relative_to(ROOT)) for path, text in outputs.items()
                 if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path} is not what tests/families/build_family_table.py makes of its inputs")
        print(f"family table: {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text)
    print(f"wrote {TABLE_CPP.relative_to(ROOT)} and {EVALUATION.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
