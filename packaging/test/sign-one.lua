-- One message from a local client (127.0.0.1, in TrustedHosts) and a sender of the signing domain, as Postfix
-- (milter_protocol 6) sends it: the milter must answer every step with continue and insert a DKIM-Signature
-- with d=example.com; s=mail at end of message. Needs the global `socket` (e.g. inet:8891@127.0.0.1):
--   miltertest -D socket=inet:8891@127.0.0.1 -s packaging/test/sign-one.lua

local function check(result, what)
    if result ~= nil then
        error(what .. " failed: " .. tostring(result))
    end
end

local function expect(conn, what, want)
    local got = mt.getreply(conn)
    if got ~= want then
        error(what .. ": expected reply " .. tostring(want) .. ", got " .. tostring(got))
    end
end

local conn = mt.connect(socket, 40, 0.25)
if conn == nil then
    error("cannot connect to " .. socket)
end

check(mt.macro(conn, SMFIC_CONNECT, "j", "mail.example.com", "{daemon_name}", "smtpd"), "connect macros")
check(mt.conninfo(conn, "localhost", "127.0.0.1"), "conninfo")
expect(conn, "CONNECT", SMFIR_CONTINUE)
check(mt.macro(conn, SMFIC_MAIL, "i", "4ABCDEF123"), "mail macros")
check(mt.mailfrom(conn, "<user@example.com>"), "MAIL")
expect(conn, "MAIL", SMFIR_CONTINUE)
check(mt.rcptto(conn, "<someone@example.net>"), "RCPT")
expect(conn, "RCPT", SMFIR_CONTINUE)
check(mt.header(conn, "From", "user@example.com"), "HEADER From")
expect(conn, "HEADER From", SMFIR_CONTINUE)
check(mt.header(conn, "To", "someone@example.net"), "HEADER To")
expect(conn, "HEADER To", SMFIR_CONTINUE)
check(mt.header(conn, "Subject", "dkim mail sending test"), "HEADER Subject")
expect(conn, "HEADER Subject", SMFIR_CONTINUE)
check(mt.eoh(conn), "EOH")
expect(conn, "EOH", SMFIR_CONTINUE)
check(mt.bodystring(conn, "dkim mail sending test\r\n"), "BODY")
expect(conn, "BODY", SMFIR_CONTINUE)
check(mt.eom(conn), "EOM")
expect(conn, "EOM", SMFIR_CONTINUE)
if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
    error("no DKIM-Signature was inserted")
end
local signature = mt.getheader(conn, "DKIM-Signature", 0)
if not string.find(signature, "d=example.com", 1, true) or not string.find(signature, "s=mail", 1, true) then
    error("unexpected DKIM-Signature: " .. signature)
end
check(mt.disconnect(conn), "QUIT")
mt.echo("signed: DKIM-Signature: " .. signature)
