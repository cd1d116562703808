-- One locally submitted message through a milter (the real OpenDKIM here), printing the DKIM-Signature it
-- inserts as "DKIM-Signature:VALUE" (VALUE as miltertest gives it, continuation lines included) or failing.
-- Needs the global `socket` (e.g. inet:PORT@127.0.0.1).
local conn = mt.connect(socket, 40, 0.25)
if conn == nil then
    error("cannot connect to " .. socket)
end

mt.negotiate(conn, 6, 0x1FFFFF, 0x1FF)
mt.conninfo(conn, "localhost", "127.0.0.1")
mt.macro(conn, SMFIC_MAIL, "i", "GENKEY1")
mt.mailfrom(conn, "<alice@example.com>")
mt.rcptto(conn, "<bob@example.net>")
mt.header(conn, "From", "alice@example.com")
mt.header(conn, "To", "bob@example.net")
mt.header(conn, "Subject", "genkey")
mt.eoh(conn)
mt.bodystring(conn, "Hello.\r\n")
mt.eom(conn)
if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
    error("no DKIM-Signature was inserted")
end
io.write("DKIM-Signature:" .. mt.getheader(conn, "DKIM-Signature", 0) .. "\n")
mt.disconnect(conn)
