"""A database outage behind the JMAP gateway gives 503 (never an accept) and recovers.

Uses its own MariaDB server (scripts/mariadb-start.sh) so it can stop and restart it without
touching the shared test server.
"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import jmap_fixture as fx  # noqa: E402


class JmapDatabaseOutageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = fx.prerequisites_missing()
        if missing:
            raise unittest.SkipTest("not built or not installed: " + missing)
        cls.db_port = fx.free_port()
        cls.stack = fx.Stack(
            database="mysql://db=mtjmap user=mtjmap password=outage-test host=127.0.0.1 port=%d" % cls.db_port,
            users=("alice",))
        cls.db_dir = os.path.join(cls.stack.root, "mariadb")
        cls.addClassCleanup(cls.stack.stop)  # runs last: removes the directory
        cls.addClassCleanup(cls.stop_db)
        cls.start_db()
        sql = ("CREATE DATABASE IF NOT EXISTS mtjmap; "
               "CREATE USER IF NOT EXISTS 'mtjmap'@'127.0.0.1' IDENTIFIED BY 'outage-test'; "
               "GRANT ALL ON mtjmap.* TO 'mtjmap'@'127.0.0.1';")
        fx.run("mariadb", "--no-defaults", "--socket=" + os.path.join(cls.db_dir, "mysqld.sock"), "-uroot", "-e", sql)
        cls.stack.start()
        cls.token, _ = cls.stack.create_token("alice", "--read-only")

    @classmethod
    def start_db(cls):
        fx.run(os.path.join(fx.SCRIPTS, "mariadb-start.sh"), cls.db_dir, str(cls.db_port))

    @classmethod
    def stop_db(cls):
        fx.run(os.path.join(fx.SCRIPTS, "mariadb-stop.sh"), cls.db_dir, check=False)

    def test_outage_gives_503_then_recovers(self):
        status, _, _ = self.stack.http.request("GET", "/jmap", self.token)
        self.assertEqual(status, 200)

        self.stop_db()
        for _ in range(3):
            status, headers, body = self.stack.http.request("GET", "/jmap", self.token)
            self.assertEqual(status, 503)
            self.assertTrue(headers.get("retry-after", "").isdigit())
            self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"))
            problem = json.loads(body)
            self.assertEqual((problem["type"], problem["status"]), ("about:blank", 503))
            self.assertNotIn(self.token.rsplit("_", 1)[-1].encode(), body)
        status, _, _ = self.stack.http.api(self.token, [fx.CORE, fx.MAIL], [["Mailbox/get", {}, "m"]])
        self.assertEqual(status, 503)

        self.start_db()
        deadline = time.monotonic() + 15
        status = None
        while time.monotonic() < deadline:
            status, _, _ = self.stack.http.request("GET", "/jmap", self.token)
            if status == 200:
                break
            self.assertEqual(status, 503)
            time.sleep(0.2)
        self.assertEqual(status, 200)
        status, _, body = self.stack.http.api(self.token, [fx.CORE, fx.MAIL], [["Mailbox/get", {}, "m"]])
        self.assertEqual(status, 200)
        self.assertEqual(body["methodResponses"][0][0], "Mailbox/get")


if __name__ == "__main__":
    unittest.main()
