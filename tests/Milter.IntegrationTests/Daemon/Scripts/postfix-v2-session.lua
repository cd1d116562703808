-- One SMTP session as Postfix with milter_protocol = 2 plays it against a milter: two messages with an ABORT
-- between them (what Postfix sends after every transaction), then QUIT. Every step must be answered with
-- continue; the milter must stay up between messages. Needs the global `socket` (e.g. inet:PORT@127.0.0.1).
-- Note: miltertest's mt.negotiate takes (conn, version, protocol flags, actions), not the order its manual
-- gives; Postfix 3.7 at version 2 offers actions 0x1FF and protocol 0x7F.

local function expect(conn, what, want)
    local got = mt.getreply(conn)
    if got ~= want then
        error(what .. ": expected reply " .. tostring(want) .. ", got " .. tostring(got))
    end
end

local function check(result, what)
    if result ~= nil then
        error(what .. " failed: " .. tostring(result))
    end
end

local conn = mt.connect(socket, 40, 0.25)
if conn == nil then
    error("cannot connect to " .. socket)
end

check(mt.negotiate(conn, 2, 0x7F, 0x1FF), "negotiate")
check(mt.macro(conn, SMFIC_CONNECT, "j", "mx.test.example", "{daemon_name}", "smtpd", "v", "Postfix 3.7.11"), "connect macros")
check(mt.conninfo(conn, "client.test.example", "192.0.2.10"), "conninfo")
expect(conn, "CONNECT", SMFIR_CONTINUE)

for n = 1, 2 do
    check(mt.macro(conn, SMFIC_MAIL, "i", "QUEUEID" .. n, "{mail_addr}", "sender@sender.example"), "mail macros")
    check(mt.mailfrom(conn, "<sender@sender.example>"), "MAIL")
    expect(conn, "MAIL", SMFIR_CONTINUE)
    check(mt.rcptto(conn, "<anyone@receiver.example>"), "RCPT")
    expect(conn, "RCPT", SMFIR_CONTINUE)
    check(mt.header(conn, "From", "sender@sender.example"), "HEADER From")
    expect(conn, "HEADER From", SMFIR_CONTINUE)
    check(mt.header(conn, "Subject", "message " .. n), "HEADER Subject")
    expect(conn, "HEADER Subject", SMFIR_CONTINUE)
    check(mt.eoh(conn), "EOH")
    expect(conn, "EOH", SMFIR_CONTINUE)
    check(mt.bodystring(conn, "body of message " .. n .. "\r\n"), "BODY")
    expect(conn, "BODY", SMFIR_CONTINUE)
    check(mt.eom(conn), "EOM")
    expect(conn, "EOM", SMFIR_CONTINUE)
    check(mt.abort(conn), "ABORT")
end

check(mt.disconnect(conn), "QUIT")
mt.echo("session complete")
