"""JMAP through Apache + mod_mailtoken to a real Cyrus JMAP server, with a real HTTP client.

Covers issue 3 item 2: session filtering (read-only, each scope), read-only reads, mixed
read-only get + set, read-write writes, scope denial, read-only upload, revocation, plan
denial, body limit, malformed JSON, Authorize-As, contacts and calendars, last use.
The database-outage test is in test_jmap_database_outage.py.
"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import jmap_fixture as fx  # noqa: E402


class JmapGatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = fx.prerequisites_missing()
        if missing:
            raise unittest.SkipTest("not built or not installed: " + missing)
        cls.stack = fx.Stack(max_body=65536)
        cls.addClassCleanup(cls.stack.stop)
        cls.stack.start()
        s = cls.stack
        cls.rw, cls.rw_id = s.create_token("alice")
        cls.ro, cls.ro_id = s.create_token("alice", "--read-only")
        cls.contacts, _ = s.create_token("alice", "--scope", "contacts")
        cls.calendars, _ = s.create_token("alice", "--scope", "calendars")
        cls.sieve, _ = s.create_token("alice", "--scope", "sieve")
        cls.send, _ = s.create_token("alice", "--scope", "mail,submission")
        cls.http = s.http

    # -- helpers --
    def inbox_email_ids(self, token):
        status, _, body = self.http.api(token, [fx.CORE, fx.MAIL], [
            ["Email/query", {}, "q"],
            ["Email/get", {"#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                           "properties": ["id", "keywords", "blobId", "subject"]}, "g"]])
        self.assertEqual(status, 200, body)
        return body["methodResponses"][1][1]["list"]

    def assertProblem(self, headers, body, status, *secrets):
        """An RFC 7807 problem JSON body for `status` that names none of `secrets`."""
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"), headers)
        problem = json.loads(body)
        self.assertEqual(problem["type"], "about:blank")
        self.assertEqual(problem["status"], status)
        self.assertTrue(problem["detail"])
        self.assertEqual(headers.get("content-length"), str(len(body)))
        for secret in secrets:
            self.assertNotIn(secret.encode(), body)
            self.assertNotIn(secret.rsplit("_", 1)[-1].encode(), body)
        return problem

    # -- authentication --
    def test_no_credentials_gets_a_bearer_challenge_without_error(self):
        status, headers, body = self.http.request("GET", "/jmap")
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("www-authenticate"), 'Bearer realm="jmap"')
        self.assertProblem(headers, body, 401)
        status, headers, body = self.http.request("GET", "/jmap", headers={"Authorization": "Basic YTpi"})
        self.assertEqual(status, 401)
        self.assertNotIn("error=", headers.get("www-authenticate", ""))
        self.assertProblem(headers, body, 401, "YTpi")
        # API requests too, before any body is read.
        status, headers, body = self.http.api(None, [fx.CORE], [["Core/echo", {}, "e"]])
        self.assertEqual(status, 401)
        self.assertEqual(body["status"], 401)
        self.assertTrue(headers["content-type"].startswith("application/problem+json"))

    def test_malformed_and_unknown_tokens_get_invalid_token(self):
        typo = self.rw[:-1] + ("A" if self.rw[-1] != "A" else "B")
        for token in ("not-a-token", typo, self.rw + "x"):
            status, headers, body = self.http.request("GET", "/jmap", token)
            self.assertEqual(status, 401, token[:6])
            self.assertIn('error="invalid_token"', headers.get("www-authenticate", ""))
            self.assertIn('realm="jmap"', headers.get("www-authenticate", ""))
            self.assertProblem(headers, body, 401, token)

    def test_revoked_token_is_refused_on_the_next_request(self):
        token, token_id = self.stack.create_token("alice", "--read-only")
        self.assertEqual(self.http.session(token)[0], 200)
        self.stack.admin("revoke", token_id, "--yes")
        status, headers, _ = self.http.request("GET", "/jmap", token)
        self.assertEqual(status, 401)
        self.assertIn('error="invalid_token"', headers["www-authenticate"])

    def test_expired_token_gets_invalid_token(self):
        token, _ = self.stack.create_token("alice", "--expires", "1s")
        time.sleep(2)  # expiry has one-second resolution
        status, headers, _ = self.http.request("GET", "/jmap", token)
        self.assertEqual(status, 401)
        self.assertIn('error="invalid_token"', headers.get("www-authenticate", ""))

    def test_plan_that_denies_tokens_gets_403(self):
        token, _ = self.stack.create_token("bob")
        self.assertEqual(self.http.session(token)[0], 200)
        self.stack.admin("plan", "set", "notokens", "--tokens", "denied")
        self.stack.admin("account", "set-plan", "bob", "notokens")
        status, headers, body = self.http.request("GET", "/jmap", token)
        self.assertEqual(status, 403)
        self.assertNotIn("www-authenticate", headers)
        self.assertProblem(headers, body, 403, token)

    def test_last_use_is_recorded_with_protocol_jmap(self):
        token, token_id = self.stack.create_token("alice", "--read-only")
        self.assertEqual(self.http.session(token)[0], 200)
        # Written after the response went out (log_transaction), so it may land a moment later.
        deadline = time.monotonic() + 5
        while True:
            shown = json.loads(self.stack.admin("show", token_id, "--json"))
            if shown["last_used_protocol"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(shown["last_used_protocol"], "jmap")
        self.assertEqual(shown["last_used_ip"], "127.0.0.1")
        self.assertIsNotNone(shown["last_used_at"])

    # -- session resource --
    def test_read_only_session_is_read_only_and_mail_only(self):
        status, headers, session = self.http.session(self.ro)
        self.assertEqual(status, 200)
        self.assertEqual(session["username"], "alice")
        caps = set(session["capabilities"])
        self.assertIn(fx.CORE, caps)
        self.assertIn(fx.MAIL, caps)
        for absent in (fx.SUBMISSION, fx.CYRUS_CONTACTS, fx.CYRUS_CALENDARS, fx.CYRUS_SIEVE,
                       "https://cyrusimap.org/ns/jmap/debug", "https://cyrusimap.org/ns/jmap/backup"):
            self.assertNotIn(absent, caps)
        account = session["accounts"]["alice"]
        self.assertTrue(account["isReadOnly"])
        self.assertNotIn(fx.CYRUS_CONTACTS, account["accountCapabilities"])
        self.assertEqual(set(session["primaryAccounts"]) - caps, set())
        self.assertNotIn("alt-svc", headers)
        # The gateway's body limit (65536 in this stack) is what clients are told.
        self.assertEqual(session["capabilities"][fx.CORE]["maxSizeRequest"], 65536)

    def test_read_write_session_is_not_read_only(self):
        status, _, session = self.http.session(self.rw)
        self.assertEqual(status, 200)
        self.assertFalse(session["accounts"]["alice"]["isReadOnly"])

    def test_session_follows_each_scope(self):
        expectations = {
            "contacts": (self.contacts, {fx.CYRUS_CONTACTS}, {fx.MAIL, fx.CYRUS_CALENDARS, fx.CYRUS_SIEVE}),
            "calendars": (self.calendars, {fx.CYRUS_CALENDARS}, {fx.MAIL, fx.CYRUS_CONTACTS, fx.CYRUS_SIEVE}),
            "sieve": (self.sieve, {fx.CYRUS_SIEVE}, {fx.MAIL, fx.CYRUS_CONTACTS, fx.CYRUS_CALENDARS}),
            "mail+submission": (self.send, {fx.MAIL, fx.SUBMISSION}, {fx.CYRUS_CONTACTS, fx.CYRUS_SIEVE}),
            "mail": (self.rw, {fx.MAIL}, {fx.SUBMISSION, fx.CYRUS_CONTACTS}),
        }
        for name, (token, present, absent) in expectations.items():
            with self.subTest(scope=name):
                status, _, session = self.http.session(token)
                self.assertEqual(status, 200)
                caps = set(session["capabilities"])
                self.assertLessEqual(present | {fx.CORE}, caps)
                self.assertEqual(caps & absent, set())
                self.assertLessEqual(set(session["accounts"]["alice"]["accountCapabilities"]), caps)
                self.assertLessEqual(set(session["primaryAccounts"]), caps)

    def test_well_known_redirect_does_not_reveal_the_backend(self):
        status, headers, _ = self.http.request("GET", "/.well-known/jmap", self.ro)
        self.assertIn(status, (200, 301, 302, 307, 308))
        self.assertNotIn(str(self.stack.cyrus_port), headers.get("location", ""))

    # -- API requests --
    def test_read_only_reads_succeed(self):
        status, _, body = self.http.api(self.ro, [fx.CORE, fx.MAIL], [
            ["Mailbox/get", {}, "m"],
            ["Email/query", {"filter": {}}, "q"],
            ["Email/get", {"#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"}}, "g"]])
        self.assertEqual(status, 200, body)
        names = [(r[0], r[2]) for r in body["methodResponses"]]
        self.assertEqual(names, [("Mailbox/get", "m"), ("Email/query", "q"), ("Email/get", "g")])
        self.assertIn("inbox", [m["role"] for m in body["methodResponses"][0][1]["list"]])
        self.assertGreaterEqual(len(body["methodResponses"][2][1]["list"]), 1)

    def mailbox_rights(self, token, calls=()):
        status, _, body = self.http.api(token, [fx.CORE, fx.MAIL],
                                        list(calls) + [["Mailbox/get", {"properties": ["role", "myRights"]}, "m"]])
        self.assertEqual(status, 200, body)
        response = body["methodResponses"][-1]
        self.assertEqual(response[0], "Mailbox/get", body)
        return {m["role"]: m["myRights"] for m in response[1]["list"]}

    def test_read_only_mailbox_rights_promise_no_writes(self):
        writes = ("mayAddItems", "mayRemoveItems", "maySetSeen", "maySetKeywords", "mayCreateChild",
                  "mayRename", "mayDelete", "maySubmit")
        rw_inbox = self.mailbox_rights(self.rw)["inbox"]
        self.assertTrue(rw_inbox["mayReadItems"])
        self.assertTrue(rw_inbox["mayAddItems"])  # Cyrus's answer, unchanged for read-write
        # Forwarded as sent, and rewritten around a refused call: both are filtered.
        for calls in ((), [["Mailbox/set", {"create": {"k": {"name": "Nope"}}}, "s"]]):
            with self.subTest(rewritten=bool(calls)):
                rights = self.mailbox_rights(self.ro, calls)
                self.assertIn("inbox", rights)
                for mailbox_rights in rights.values():
                    self.assertTrue(mailbox_rights["mayReadItems"])
                    for write in writes:
                        if write in rw_inbox:
                            self.assertIs(mailbox_rights[write], False, write)

    def test_read_only_mixed_request_gets_results_and_account_read_only(self):
        email = self.inbox_email_ids(self.ro)[0]
        status, _, body = self.http.api(self.ro, [fx.CORE, fx.MAIL], [
            ["Email/get", {"ids": [email["id"]], "properties": ["keywords"]}, "g"],
            ["Email/set", {"update": {email["id"]: {"keywords/$flagged": True}}}, "s"],
            ["Mailbox/get", {"properties": ["role"]}, "m"]])
        self.assertEqual(status, 200, body)
        responses = body["methodResponses"]
        self.assertEqual([(r[0], r[2]) for r in responses], [("Email/get", "g"), ("error", "s"), ("Mailbox/get", "m")])
        self.assertEqual(responses[1][1]["type"], "accountReadOnly")
        self.assertEqual(responses[0][1]["list"][0]["id"], email["id"])
        self.assertIn("sessionState", body)
        # The set never reached Cyrus.
        after = {e["id"]: e for e in self.inbox_email_ids(self.rw)}
        self.assertNotIn("$flagged", after[email["id"]]["keywords"])

    def test_read_only_write_only_request_and_back_reference(self):
        status, _, body = self.http.api(self.ro, [fx.CORE, fx.MAIL], [
            ["Mailbox/set", {"create": {"k": {"name": "Nope"}}}, "c"],
            ["Mailbox/get", {"#ids": {"resultOf": "c", "name": "Mailbox/set", "path": "/created/k/id"}}, "g"]])
        self.assertEqual(status, 200, body)
        self.assertEqual([(r[0], r[1]["type"], r[2]) for r in body["methodResponses"]],
                         [("error", "accountReadOnly", "c"), ("error", "invalidResultReference", "g")])
        status, _, body = self.http.api(self.rw, [fx.CORE, fx.MAIL], [["Mailbox/get", {}, "m"]])
        self.assertNotIn("Nope", [m["name"] for m in body["methodResponses"][0][1]["list"]])

    def test_read_write_set_really_changes_the_mailbox(self):
        email = self.inbox_email_ids(self.rw)[0]
        status, _, body = self.http.api(self.rw, [fx.CORE, fx.MAIL], [
            ["Email/set", {"update": {email["id"]: {"keywords/$seen": True}}}, "s"]])
        self.assertEqual(status, 200, body)
        self.assertIn(email["id"], body["methodResponses"][0][1]["updated"])
        # Checked directly on Cyrus, behind the gateway's back.
        conn_status, _, raw = self.stack.cyrus_http.request(
            "POST", "/jmap/", self.stack.jwt("alice"),
            {"using": [fx.CORE, fx.MAIL],
             "methodCalls": [["Email/get", {"ids": [email["id"]], "properties": ["keywords"]}, "g"]]})
        self.assertEqual(conn_status, 200)
        self.assertTrue(json.loads(raw)["methodResponses"][0][1]["list"][0]["keywords"].get("$seen"))

    def test_capability_outside_scopes_is_unknown_capability(self):
        cases = [(self.contacts, fx.MAIL), (self.rw, fx.CYRUS_CONTACTS), (self.rw, fx.SUBMISSION),
                 (self.rw, "x-vendor:unknown")]
        for token, capability in cases:
            with self.subTest(capability=capability):
                status, headers, body = self.http.api(token, [fx.CORE, capability], [["Core/echo", {}, "e"]])
                self.assertEqual(status, 400)
                self.assertEqual(body["type"], "urn:ietf:params:jmap:error:unknownCapability")
                self.assertTrue(headers["content-type"].startswith("application/problem+json"))

    def test_method_outside_using_is_refused_by_cyrus(self):
        status, _, body = self.http.api(self.contacts, [fx.CORE, fx.CYRUS_CONTACTS], [["Mailbox/get", {}, "m"]])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["methodResponses"][0][0], "error")
        self.assertEqual(body["methodResponses"][0][1]["type"], "unknownMethod")

    def test_contacts_and_calendars_through_the_gateway(self):
        status, _, body = self.http.api(self.contacts, [fx.CORE, fx.CYRUS_CONTACTS], [["Contact/get", {}, "a"]])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["methodResponses"][0][0], "Contact/get", body)
        status, _, body = self.http.api(self.calendars, [fx.CORE, fx.CYRUS_CALENDARS], [["Calendar/get", {}, "c"]])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["methodResponses"][0][0], "Calendar/get", body)
        # Read-only applies to contacts as to mail.
        token, _ = self.stack.create_token("alice", "--read-only", "--scope", "contacts")
        status, _, body = self.http.api(token, [fx.CORE, fx.CYRUS_CONTACTS], [
            ["Contact/set", {"create": {"k": {"lastName": "Nope"}}}, "s"], ["Contact/get", {}, "g"]])
        self.assertEqual(status, 200, body)
        self.assertEqual([(r[0], r[2]) for r in body["methodResponses"]], [("error", "s"), ("Contact/get", "g")])
        self.assertEqual(body["methodResponses"][0][1]["type"], "accountReadOnly")

    def test_malformed_json_and_non_requests(self):
        status, headers, body = self.http.request("POST", "/jmap/", self.rw, "{not json",
                                                  {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["type"], "urn:ietf:params:jmap:error:notJSON")
        status, _, body = self.http.request("POST", "/jmap/", self.rw, '{"using": "x"}',
                                            {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["type"], "urn:ietf:params:jmap:error:notRequest")

    def test_body_limit(self):
        big = {"using": [fx.CORE], "methodCalls": [["Core/echo", {"pad": "x" * 70000}, "e"]]}
        status, _, body = self.http.request("POST", "/jmap/", self.rw, big)
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(body)["type"], "urn:ietf:params:jmap:error:limit")
        ok = {"using": [fx.CORE], "methodCalls": [["Core/echo", {"pad": "x" * 60000}, "e"]]}
        status, _, body = self.http.request("POST", "/jmap/", self.rw, ok)
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(body)["methodResponses"][0][1]["pad"]), 60000)

    def test_chunked_request_bodies_are_inspected_too(self):
        import http.client

        def send(using):
            conn = http.client.HTTPConnection("127.0.0.1", self.stack.apache_port, timeout=15)
            try:
                parts = [json.dumps({"using": using})[:-1].encode(),
                         b', "methodCalls": [["Core/echo", {"a": 1}, "e"]]}']
                conn.request("POST", "/jmap/", body=iter(parts), encode_chunked=True,
                             headers={"Authorization": "Bearer " + self.rw, "Content-Type": "application/json"})
                resp = conn.getresponse()
                return resp.status, json.loads(resp.read())
            finally:
                conn.close()

        status, body = send([fx.CORE])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["methodResponses"][0], ["Core/echo", {"a": 1}, "e"])
        status, body = send([fx.CORE, fx.CYRUS_CONTACTS])
        self.assertEqual(status, 400)
        self.assertEqual(body["type"], "urn:ietf:params:jmap:error:unknownCapability")

    def test_head_of_the_session_reveals_no_unfiltered_length(self):
        _, _, session = self.http.session(self.ro)
        status, headers, _ = self.http.request("HEAD", "/jmap", self.ro)
        self.assertEqual(status, 200)
        self.assertNotIn("alt-svc", headers)
        self.assertIn(headers.get("content-length"), (None, str(len(json.dumps(session, separators=(",", ":"))))))

    def test_other_methods_are_not_allowed(self):
        status, _, body = self.http.request("PUT", "/jmap/", self.rw, b"{}")
        self.assertEqual(status, 405)
        self.assertEqual(json.loads(body)["status"], 405)

    def test_read_only_upload_is_refused_and_download_allowed(self):
        status, headers, body = self.http.request("POST", "/jmap/upload/alice/", self.ro, b"hello",
                                                  {"Content-Type": "text/plain"})
        self.assertEqual(status, 403)
        self.assertTrue(headers["content-type"].startswith("application/problem+json"))
        self.assertEqual(json.loads(body)["status"], 403)
        status, _, body = self.http.request("POST", "/jmap/upload/alice/", self.rw, b"hello",
                                            {"Content-Type": "text/plain"})
        self.assertEqual(status, 201, body)
        email = self.inbox_email_ids(self.ro)[0]
        status, _, body = self.http.request("GET", "/jmap/download/alice/%s/m.eml?accept=message/rfc822"
                                            % email["blobId"], self.ro)
        self.assertEqual(status, 200)
        self.assertIn(b"Subject: Welcome", body)

    # -- security review: parser differentials and scopes outside API requests --
    def cyrus_email_ids(self, user):
        """Email ids straight from Cyrus (JWT), behind the gateway's back."""
        status, _, raw = self.stack.cyrus_http.request(
            "POST", "/jmap/", self.stack.jwt(user),
            {"using": [fx.CORE, fx.MAIL], "methodCalls": [["Email/query", {}, "q"]]})
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["methodResponses"][0][1]["ids"]

    def test_duplicate_member_names_cannot_smuggle_a_write_past_the_read_only_guard(self):
        before = self.cyrus_email_ids("alice")
        self.assertTrue(before)
        victim = before[0]
        # RapidJSON (the guard) would see the first methodCalls, jansson (Cyrus) the last.
        body = ('{"using":["%s","%s"],"methodCalls":[["Email/get",{},"0"]],'
                '"methodCalls":[["Email/set",{"destroy":["%s"]},"0"]]}' % (fx.CORE, fx.MAIL, victim))
        status, headers, raw = self.http.request("POST", "/jmap/", self.ro, body,
                                                 {"Content-Type": "application/json"})
        self.assertEqual(status, 400, raw)
        self.assertTrue(headers["content-type"].startswith("application/problem+json"))
        problem = json.loads(raw)
        self.assertEqual(problem["type"], "urn:ietf:params:jmap:error:notJSON")
        self.assertEqual(problem["detail"], "duplicate member name")
        self.assertEqual(self.cyrus_email_ids("alice"), before)
        # A repeated "using" cannot add a capability outside the scopes either.
        body = ('{"using":["%s"],"using":["%s","%s"],"methodCalls":[["Contact/get",{},"c"]]}'
                % (fx.CORE, fx.CORE, fx.CYRUS_CONTACTS))
        status, _, raw = self.http.request("POST", "/jmap/", self.rw, body, {"Content-Type": "application/json"})
        self.assertEqual(status, 400, raw)
        self.assertEqual(json.loads(raw)["type"], "urn:ietf:params:jmap:error:notJSON")

    def test_requests_reach_cyrus_as_inspected_not_as_sent(self):
        # Escapes and whitespace are decoded by the gateway; Cyrus gets the same meaning.
        body = '{ "using" : [ "%s" ] , "methodCalls" : [ [ "Core\\/echo" , { "a" : "\\u00e9" } , "e" ] ] }' % fx.CORE
        status, _, raw = self.http.request("POST", "/jmap/", self.rw, body, {"Content-Type": "application/json"})
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw)["methodResponses"][0], ["Core/echo", {"a": "\u00e9"}, "e"])
        for bad in (b'{"using":[],"methodCalls":[["Core/echo",{"a":"\xff"},"e"]]}',
                    b'{"using":[],"methodCalls":[["Core/echo",{"a":"\\u0000"},"e"]]}',
                    b'{"using":[],"methodCalls":[["Core/echo",{"a":NaN},"e"]]}'):
            status, _, raw = self.http.request("POST", "/jmap/", self.rw, bad, {"Content-Type": "application/json"})
            self.assertEqual(status, 400, bad)
            self.assertEqual(json.loads(raw)["type"], "urn:ietf:params:jmap:error:notJSON")

    def test_download_upload_and_blob_methods_need_the_mail_scope(self):
        email = self.inbox_email_ids(self.rw)[0]
        status, headers, body = self.http.request(
            "GET", "/jmap/download/alice/%s/m.eml?accept=message/rfc822" % email["blobId"], self.contacts)
        self.assertEqual(status, 403, body)
        self.assertTrue(headers["content-type"].startswith("application/problem+json"))
        self.assertEqual(json.loads(body)["status"], 403)
        self.assertNotIn(b"Subject:", body)
        status, headers, body = self.http.request("POST", "/jmap/upload/alice/", self.contacts, b"hello",
                                                  {"Content-Type": "text/plain"})
        self.assertEqual(status, 403, body)
        self.assertTrue(headers["content-type"].startswith("application/problem+json"))
        self.assertEqual(json.loads(body)["status"], 403)
        # Blob/copy is a core method, but blobs are mail data.
        status, _, body = self.http.api(self.contacts, [fx.CORE], [
            ["Blob/copy", {"fromAccountId": "alice", "accountId": "alice", "blobIds": [email["blobId"]]}, "b"],
            ["Core/echo", {"x": 1}, "e"]])
        self.assertEqual(status, 200, body)
        self.assertEqual([(r[0], r[2]) for r in body["methodResponses"]], [("error", "b"), ("Core/echo", "e")])
        self.assertEqual(body["methodResponses"][0][1]["type"], "forbidden")
        # With mail, the download still works (test_read_only_upload_is_refused_and_download_allowed).

    def test_client_authorize_as_has_no_effect(self):
        status, _, session = self.http.session(self.ro, headers={"Authorize-As": "bob"})
        self.assertEqual(status, 200)
        self.assertEqual(session["username"], "alice")
        self.assertNotIn("bob", session["accounts"])
        status, _, body = self.http.api(self.ro, [fx.CORE, fx.MAIL], [["Mailbox/get", {"accountId": "bob"}, "m"]],
                                        headers={"Authorize-As": "bob"})
        self.assertEqual(status, 200)
        self.assertEqual(body["methodResponses"][0][0], "error")

    def test_concurrent_requests_keep_their_own_identity_and_access(self):
        import concurrent.futures
        bob_rw, _ = self.stack.create_token("bob")
        cases = [(self.ro, "alice", True), (self.rw, "alice", False), (bob_rw, "bob", False)] * 20

        def check(case):
            token, user, read_only = case
            status, _, session = self.http.session(token)
            return status, session["username"], session["accounts"][user]["isReadOnly"]

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(check, cases))
        self.assertEqual(results, [(200, user, ro) for _, user, ro in cases])

    def test_logs_never_contain_tokens(self):
        self.http.session(self.ro)
        self.http.request("GET", "/jmap", self.rw[:-2] + "zz")
        logs = self.stack.logs()
        for token in (self.rw, self.ro, self.contacts):
            self.assertNotIn(token, logs)
            self.assertNotIn(token.rsplit("_", 1)[-1], logs)


class JmapModuleSymbolsTest(unittest.TestCase):
    def test_module_exports_only_its_module_struct(self):
        if not os.path.exists(fx.MODULE):
            self.skipTest("not built: " + fx.MODULE)
        symbols = [line.split()[-1] for line in fx.run("nm", "-D", "--defined-only", fx.MODULE).stdout.splitlines()]
        self.assertEqual(symbols, ["mailtoken_module"])


if __name__ == "__main__":
    unittest.main()
