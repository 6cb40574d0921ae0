"""Each built Dovecot module exports exactly the entry points Dovecot looks up.

The modules are loaded with dlopen (ctypes, RTLD_LAZY) the way Dovecot loads them: the
entry points must resolve and the ABI version string must match the installed Dovecot. The
dynamic symbol table must hold nothing else, so the C++ core, SOCI glue and helpers stay
private to each module (hidden visibility plus a version script).

Dovecot provides some data symbols from its own binaries (the auth process's `worker` and
`auth_default_subsystems`); a stub library compiled here stands in for them, and
libdovecot / libdovecot-storage are loaded first, as in a real mail process.
"""

import ctypes
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from dovecot_harness import MODULE_BUILD_DIR

DOVECOT_LIB_DIR = Path("/usr/lib/dovecot")
DOVECOT_CONFIG_H = Path("/usr/include/dovecot/config.h")

MODULES = {
    "libauthdb_mailtoken.so": {
        "functions": ["authdb_mailtoken_init", "authdb_mailtoken_deinit"],
        "data": ["authdb_mailtoken_version"],
    },
    "lib20_mailtoken_plugin.so": {
        "functions": ["mailtoken_plugin_init", "mailtoken_plugin_deinit"],
        "data": ["mailtoken_plugin_version"],
    },
    "lib95_imap_mailtoken_plugin.so": {
        "functions": ["imap_mailtoken_plugin_init", "imap_mailtoken_plugin_deinit"],
        "data": ["imap_mailtoken_plugin_version", "imap_mailtoken_plugin_dependencies"],
    },
}

# What the auth binary itself defines and the passdb module refers to as data.
AUTH_BINARY_STUB = """
int worker;
struct { const char *name; } auth_default_subsystems[2];
"""


def dovecot_abi_version():
    match = re.search(r'#define DOVECOT_ABI_VERSION "([^"]+)"', DOVECOT_CONFIG_H.read_text())
    return match.group(1)


def exported_symbols(path):
    """Defined dynamic symbols, as the dynamic linker sees them."""
    output = subprocess.run(["nm", "-D", "--defined-only", str(path)], check=True,
                            capture_output=True, text=True).stdout
    return sorted(line.split()[-1] for line in output.splitlines() if line.strip())


class ModuleExportTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [name for name in MODULES if not (MODULE_BUILD_DIR / name).exists()]
        if missing:
            raise unittest.SkipTest("modules not built: %s" % ", ".join(missing))
        cls.tmp = Path(tempfile.mkdtemp(prefix="mailtoken-exports-"))
        stub_c = cls.tmp / "auth_binary_stub.c"
        stub_c.write_text(AUTH_BINARY_STUB)
        stub_so = cls.tmp / "libauth_binary_stub.so"
        subprocess.run(["cc", "-shared", "-fPIC", "-o", str(stub_so), str(stub_c)], check=True)
        for library in (DOVECOT_LIB_DIR / "libdovecot.so.0", DOVECOT_LIB_DIR / "libdovecot-storage.so.0",
                        stub_so):
            ctypes.CDLL(str(library), mode=os.RTLD_LAZY | os.RTLD_GLOBAL)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_only_entry_points_are_exported(self):
        for name, expected in MODULES.items():
            with self.subTest(module=name):
                self.assertEqual(exported_symbols(MODULE_BUILD_DIR / name),
                                 sorted(expected["functions"] + expected["data"]))

    def test_entry_points_resolve_after_dlopen(self):
        abi = dovecot_abi_version()
        for name, expected in MODULES.items():
            with self.subTest(module=name):
                module = ctypes.CDLL(str(MODULE_BUILD_DIR / name), mode=os.RTLD_LAZY | os.RTLD_LOCAL)
                for function in expected["functions"]:
                    self.assertIsNotNone(getattr(module, function, None), function)
                version_symbol = [d for d in expected["data"] if d.endswith("_version")][0]
                version = ctypes.c_char_p.in_dll(module, version_symbol).value.decode()
                self.assertEqual(version, abi, "built against other Dovecot headers")
                # Nothing private is reachable by name either.
                for private in ("mailtoken_verify", "mailtoken_verifier_open",
                                "mailtoken_passdb_preinit", "mailtoken_mailbox_allocated"):
                    with self.assertRaises(AttributeError):
                        getattr(module, private)

    def test_imap_plugin_depends_on_the_mail_plugin(self):
        module = ctypes.CDLL(str(MODULE_BUILD_DIR / "lib95_imap_mailtoken_plugin.so"),
                             mode=os.RTLD_LAZY | os.RTLD_LOCAL)
        dependencies = (ctypes.c_char_p * 2).in_dll(module, "imap_mailtoken_plugin_dependencies")
        self.assertEqual([dependencies[0], dependencies[1]], [b"mailtoken", None])

    def test_mail_plugins_do_not_pull_in_the_core(self):
        # The imap/pop3 processes should not load SOCI or the C++ runtime for one setting.
        for name in ("lib20_mailtoken_plugin.so", "lib95_imap_mailtoken_plugin.so"):
            with self.subTest(module=name):
                dynamic = subprocess.run(["readelf", "-d", str(MODULE_BUILD_DIR / name)], check=True,
                                         capture_output=True, text=True).stdout
                self.assertNotIn("soci", dynamic)
                self.assertNotIn("libstdc++", dynamic)


if __name__ == "__main__":
    unittest.main()
