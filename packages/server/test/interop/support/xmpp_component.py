#!/usr/bin/python3
"""An independent XMPP external component (XEP-0114) for the interop suite, on Debian's python3-slixmpp.

Connects to the server's component port with the shared secret, answers every chat message to an
address of its domain with "echo: <body>" from that address, and prints one JSON line per event on
stdout; reads one JSON command per line on stdin (test/interop/xmpp-component.test.ts drives it):

  events   {"event": "ready", "jid": its domain}
           {"event": "message", "from", "to", "type", "body", "condition" (of an error)}
           {"event": "result", "id": command id, ...}    {"event": "error", "id", "error"}
           {"event": "disconnected"}
  commands {"id", "cmd": "message", "from", "to", "body"} -> {}
           {"id", "cmd": "disco", "to"}                   -> {"identities": [[category, type]], "items": [jid]}
           {"id", "cmd": "quit"}                          -> exits

Usage: xmpp_component.py --jid bots.example.test --secret S --host 127.0.0.1 --port 5347
"""

import argparse
import asyncio
import json
import sys

from slixmpp.componentxmpp import ComponentXMPP

STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'


def emit(event, **fields):
    sys.stdout.write(json.dumps({'event': event, **fields}) + '\n')
    sys.stdout.flush()


def condition_of(stanza):
    """The defined condition of a stanza error, read from the XML: slixmpp's error plugin looks for
    <error/> in jabber:client only, and in a component's stream it is in jabber:component:accept."""
    for child in stanza.xml:
        if child.tag.endswith('}error'):
            for c in child:
                if c.tag.startswith('{' + STANZAS + '}') and c.tag != '{' + STANZAS + '}text':
                    return c.tag.split('}')[1]
    return None


class Component(ComponentXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.secret, args.host, args.port)
        self.register_plugin('xep_0030')
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('message', self.on_message)
        self.add_event_handler('message_error', self.on_message)
        self.add_event_handler('disconnected', lambda _: emit('disconnected'))

    async def on_start(self, _):
        emit('ready', jid=str(self.boundjid))
        asyncio.ensure_future(self.commands())

    def on_message(self, msg):
        fields = {'from': str(msg['from']), 'to': str(msg['to']), 'type': msg['type'], 'body': msg['body']}
        if msg['type'] == 'error':
            fields['condition'] = condition_of(msg)
        emit('message', **fields)
        if msg['type'] in ('chat', 'normal') and msg['body']:
            self.send_message(mto=msg['from'], mfrom=msg['to'], mbody='echo: ' + msg['body'], mtype='chat')

    async def commands(self):
        loop = asyncio.get_event_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                break
            command = json.loads(line)
            try:
                result = await self.run(command)
                emit('result', id=command.get('id'), **(result or {}))
            except Exception as err:  # reported to the test, which fails on it
                emit('error', id=command.get('id'), error=repr(err))
            if command.get('cmd') == 'quit':
                break
        self.disconnect()

    async def run(self, c):
        cmd = c['cmd']
        if cmd == 'message':
            self.send_message(mto=c['to'], mfrom=c['from'], mbody=c['body'], mtype='chat')
            return {}
        if cmd == 'disco':
            info = await self['xep_0030'].get_info(jid=c['to'], ifrom=self.boundjid.full, timeout=20)
            items = await self['xep_0030'].get_items(jid=c['to'], ifrom=self.boundjid.full, timeout=20)
            return {
                'identities': [[i[0], i[1]] for i in info['disco_info']['identities']],
                'items': [str(i[0]) for i in items['disco_items']['items']],
            }
        if cmd == 'quit':
            return {}
        raise ValueError('unknown command ' + cmd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jid', required=True)
    parser.add_argument('--secret', required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    args = parser.parse_args()
    component = Component(args)
    component.add_event_handler('connection_failed', lambda e: emit('error', error='connection failed: ' + str(e)))
    component.connect()
    asyncio.get_event_loop().run_until_complete(component.disconnected)


if __name__ == '__main__':
    main()
