#!/usr/bin/env python3
"""A CSTA XML client written from the ECMA texts alone (ECMA-323 framing and documents, ECMA-354
application sessions, ECMA-269 services), independent of Parley's own TypeScript client.

It connects over TCP, then reads commands from stdin, one JSON object a line, and prints what it
receives on stdout, one JSON object a line:

  {"op": "start", "user": "alice@example.test", "password": "...", "edition": 4}
  {"op": "monitor", "device": "201"}
  {"op": "makeCall", "from": "201", "to": "202"}
  {"op": "clear", "callId": "...", "device": "201"}
  {"op": "hold" | "retrieve", "callId": "...", "device": "201"}
  {"op": "snapshotDevice", "device": "201"}
  {"op": "stop"}

Every message received is printed as
  {"kind": "response" | "event" | "error" | "session", "name": root element, "ns": namespace,
   "invokeId": "0001" | null, "fields": {"path/of/leaf": "text", ...}}
and a frame that breaks ECMA-323 framing as {"kind": "protocolError", "reason": "..."}.
Run by hand: python3 csta_client.py --port 7200 --framing header  (then type JSON lines).
Standard library only.
"""

import argparse
import json
import socket
import struct
import sys
import threading
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SESSION_NS = "http://www.ecma-international.org/standards/ecma-354/appl_session"
HEADER = struct.Struct(">HH4s")  # two zero bytes, total length incl. the 8 header bytes, invoke id
EVENT_INVOKE_ID = "9999"
out_lock = threading.Lock()


def csta_ns(edition):
    return "http://www.ecma-international.org/standards/ecma-323/csta/ed%d" % edition


def emit(obj):
    with out_lock:
        sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
        sys.stdout.flush()


def split(tag):
    """'{ns}local' -> (ns, local)."""
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        return ns, local
    return None, tag


def leaves(element, prefix=""):
    """Every leaf's text by its path of local names (the first of repeated paths)."""
    found = {}
    for child in element:
        name = prefix + split(child.tag)[1]
        if len(child) == 0:
            found.setdefault(name, (child.text or "").strip())
        else:
            for k, v in leaves(child, name + "/").items():
                found.setdefault(k, v)
    return found


def describe(xml_bytes, invoke_id):
    root = ET.fromstring(xml_bytes)
    ns, name = split(root.tag)
    if name == "CSTAErrorCode":
        kind = "error"
    elif ns == SESSION_NS:
        kind = "session"
    elif name.endswith("Event"):
        kind = "event"
    else:
        kind = "response"
    return {"kind": kind, "name": name, "ns": ns, "invokeId": invoke_id, "fields": leaves(root)}


class Connection:
    def __init__(self, port, framing, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.settimeout(None)
        self.framing = framing
        self.next_id = 1
        self.buffer = b""

    def send(self, xml):
        body = ('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode("utf-8")
        if self.framing == "header":
            invoke_id = "%04d" % self.next_id
            self.next_id = self.next_id % 9998 + 1  # 9999 is the events' id
            self.sock.sendall(HEADER.pack(0, HEADER.size + len(body), invoke_id.encode("ascii")) + body)
            return invoke_id
        self.sock.sendall(body + b"\0")
        return None

    def frames(self):
        """Yields (invoke id or None, xml bytes) until the server closes."""
        while True:
            frame = self.take()
            if frame is not None:
                yield frame
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            self.buffer += chunk

    def take(self):
        if self.framing == "header":
            if len(self.buffer) < HEADER.size:
                return None
            zero, length, invoke_id = HEADER.unpack(self.buffer[: HEADER.size])
            if zero != 0 or length < HEADER.size:
                raise ValueError("bad frame header %r" % self.buffer[: HEADER.size])
            if len(self.buffer) < length:
                return None
            body = self.buffer[HEADER.size : length]
            self.buffer = self.buffer[length:]
            ident = invoke_id.decode("ascii")
            if not ident.isdigit():
                raise ValueError("invoke id %r is not four digits" % ident)
            return ident, body
        end = self.buffer.find(b"\0")
        if end < 0:
            return None
        body = self.buffer[:end]
        self.buffer = self.buffer[end + 1 :]
        return None, body


def connection_id(call_id, device):
    return "<callID>%s</callID><deviceID>%s</deviceID>" % (escape(call_id), escape(device))


def request(command, edition, session_id):
    """The XML of one command (ECMA-354 §7 / ECMA-323 service requests)."""
    op = command["op"]
    ns = csta_ns(edition)
    if op == "start":
        versions = "".join(
            "<protocolVersion>%s</protocolVersion>" % csta_ns(e) for e in command.get("versions", [edition])
        )
        return (
            '<StartApplicationSession xmlns="%s"><applicationInfo><applicationID>ecma-client</applicationID>'
            "<applicationSpecificInfo><SessionLoginInfo><userName>%s</userName><password>%s</password>"
            "</SessionLoginInfo></applicationSpecificInfo></applicationInfo>"
            "<requestedProtocolVersions>%s</requestedProtocolVersions>"
            "<requestedSessionDuration>%d</requestedSessionDuration></StartApplicationSession>"
            % (SESSION_NS, escape(command["user"]), escape(command["password"]), versions, command.get("duration", 300))
        )
    if op == "stop":
        return (
            '<StopApplicationSession xmlns="%s"><sessionID>%s</sessionID>'
            "<sessionEndReason><definedEndReason>normal</definedEndReason></sessionEndReason>"
            "</StopApplicationSession>" % (SESSION_NS, escape(session_id or ""))
        )
    if op == "monitor":
        return '<MonitorStart xmlns="%s"><monitorObject><deviceObject>%s</deviceObject></monitorObject></MonitorStart>' % (
            ns,
            escape(command["device"]),
        )
    if op == "makeCall":
        return (
            '<MakeCall xmlns="%s"><callingDevice>%s</callingDevice>'
            "<calledDirectoryNumber>%s</calledDirectoryNumber></MakeCall>"
            % (ns, escape(command["from"]), escape(command["to"]))
        )
    connection_services = {
        "clear": ("ClearConnection", "connectionToBeCleared"),
        "hold": ("HoldCall", "callToBeHeld"),
        "retrieve": ("RetrieveCall", "callToBeRetrieved"),
    }
    if op in connection_services:
        service, element = connection_services[op]
        return '<%s xmlns="%s"><%s>%s</%s></%s>' % (
            service,
            ns,
            element,
            connection_id(command["callId"], command["device"]),
            element,
            service,
        )
    if op == "snapshotDevice":
        return '<SnapshotDevice xmlns="%s"><snapshotObject>%s</snapshotObject></SnapshotDevice>' % (
            ns,
            escape(command["device"]),
        )
    raise ValueError("unknown op %r" % op)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--framing", choices=["header", "nul"], default="header")
    args = parser.parse_args()
    conn = Connection(args.port, args.framing, args.host)
    state = {"edition": 4, "session": None}

    def reader():
        try:
            for invoke_id, body in conn.frames():
                seen = describe(body, invoke_id)
                if seen["kind"] == "event" and args.framing == "header" and invoke_id != EVENT_INVOKE_ID:
                    emit({"kind": "protocolError", "reason": "event with invoke id %s" % invoke_id})
                if seen["kind"] in ("response", "error", "event") and seen["ns"] not in (None, csta_ns(state["edition"])):
                    emit({"kind": "protocolError", "reason": "namespace %s for edition %d" % (seen["ns"], state["edition"])})
                if seen["name"] == "StartApplicationSessionPosResponse":
                    state["session"] = seen["fields"].get("sessionID")
                emit(seen)
        except (ValueError, ET.ParseError) as err:
            emit({"kind": "protocolError", "reason": str(err)})
        except OSError:
            pass
        emit({"kind": "closed"})

    threading.Thread(target=reader, daemon=True).start()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        if command["op"] == "start":
            state["edition"] = command.get("edition", 4)
        invoke_id = conn.send(request(command, state["edition"], state["session"]))
        emit({"kind": "sent", "op": command["op"], "invokeId": invoke_id})
    conn.sock.close()


if __name__ == "__main__":
    main()
