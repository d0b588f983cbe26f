#!/usr/bin/python3
"""An independent XMPP client for the interop suite, on Debian's python3-slixmpp.

Logs in over TLS (STARTTLS, trusting --ca) with SCRAM, fetches the roster, sends the initial
presence, then prints one JSON line per event on stdout and reads one JSON command per line on
stdin (test/interop/support/xmpp-client.ts drives it):

  events   {"event": "ready", "jid": full JID, "mechanism": SASL mechanism, "roster": [...]}
           {"event": "message", "from", "to", "type", "body", "id", "condition" (of an error)}
           {"event": "invite", "from": the room, "to", "inviter", "reason"} (mediated, XEP-0045 §7.8.2)
           {"event": "presence", "from", "to", "type", "show", "status"}
           {"event": "pep", "from", "node", "itemId", "payload" (XML text) or "retracted": true}
           {"event": "result", "id": command id, ...}    {"event": "error", "id", "error", "condition"?} (an IQ error's condition and pubsub#errors one)
           {"event": "disconnected"}
  commands {"id", "cmd": "roster"}                        -> {"roster": [{"jid", "subscription", "name"}]}
           {"id", "cmd": "message", "to", "body", "type"?} -> {}
           {"id", "cmd": "presence", "show"?, "status"?, "to"?, "type"?} -> {}
           {"id", "cmd": "mam", "with"?, "max"?}           -> {"messages": [{"from", "to", "body"}]}
           {"id", "cmd": "join", "room", "nick"}          -> {"occupants": n, "codes": [own status codes]}
           {"id", "cmd": "configure", "room", "fields"}   -> {"fields": [vars offered]} (the owner's form, submitted)
           {"id", "cmd": "invite", "room", "to", "reason"} -> {} (mediated, XEP-0045 §7.8.2)
           {"id", "cmd": "groupchat", "room", "body"}     -> {}
           {"id", "cmd": "upload", "name", "content"}     -> {"put", "get", "status"} (PUT done, GET checked)
           {"id", "cmd": "interest", "nodes"}             -> {} (XEP-0163 +notify in the caps, presence sent again)
           {"id", "cmd": "publish", "node", "itemId"?, "payload", "options"?} -> {"itemId"} (XEP-0060, to the own account;
                                                             payload: XML text; options: publish-options fields)
           {"id", "cmd": "items", "jid", "node"}          -> {"items": [{"id", "payload"}]}
           {"id", "cmd": "retract", "node", "itemId"}     -> {} (with notify)
           {"id", "cmd": "drop"}                          -> {"resumed": bool} (the connection is cut without
                                                             closing the stream, the client connects again and
                                                             resumes it, XEP-0198)
           {"id", "cmd": "quit"}                          -> exits

Usage: xmpp_client.py --jid alice@a.test --password secret --ca ca.crt [--host ADDR] [--port 5222]
       [--mechanism SCRAM-SHA-1]
Run it with /usr/bin/python3: slixmpp is Debian's, another python3 on PATH will not find it.
"""

import argparse
import asyncio
import json
import logging
import sys
import urllib.request
import xml.etree.ElementTree as ET

import slixmpp
import slixmpp.exceptions

UPLOAD = 'urn:xmpp:http:upload:0'
MUC = 'http://jabber.org/protocol/muc'
MUC_USER = MUC + '#user'
PUBSUB = 'http://jabber.org/protocol/pubsub'


def emit(event, **fields):
    sys.stdout.write(json.dumps({'event': event, **fields}) + '\n')
    sys.stdout.flush()


def roster_items(xmpp):
    roster = xmpp.client_roster
    return [
        {'jid': str(jid), 'subscription': roster[jid]['subscription'], 'name': roster[jid]['name']}
        for jid in roster
        if str(jid) != xmpp.boundjid.bare
    ]


class Client(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password, sasl_mech=args.mechanism)
        self.ca_certs = args.ca
        # SCRAM only (PLAIN would also work over TLS; the suite checks SCRAM).
        self['feature_mechanisms'].unencrypted_scram = False
        # Not xep_0363: Debian's slixmpp imports aiohttp for it, which is not installed; and not
        # xep_0045's join_muc_wait, which in 1.8.3 never resolves: both are built by hand below (the
        # plugin's configuration and invitations are used as they are).
        for plugin in ('xep_0030', 'xep_0059', 'xep_0199', 'xep_0313', 'xep_0045', 'xep_0004', 'xep_0060',
                       'xep_0115', 'xep_0163', 'xep_0198'):
            self.register_plugin(plugin)
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('message', self.on_message)
        self.add_event_handler('message_error', self.on_message)
        self.add_event_handler('groupchat_invite', self.on_invite)
        self.tasks = set()  # asyncio keeps only weak references to tasks: these are ours
        self.occupants = {}  # room -> nicks present
        self.joins = {}  # room -> Future resolved by our own presence in the room
        self.add_event_handler('presence', self.on_presence)
        self.add_event_handler('pubsub_publish', self.on_pep)
        self.add_event_handler('pubsub_retract', self.on_pep)
        self.add_event_handler('failed_all_auth', lambda _: self.fail('authentication failed'))
        self.address = (args.host, args.port) if args.host else None
        self.dropping = False  # the 'drop' command cut the connection: connect again instead of ending
        self.finished = self.loop.create_future()
        self.add_event_handler('disconnected', self.on_disconnected)
        self.add_event_handler('connection_failed', lambda e: self.fail(f'connection failed: {e}'))

    def on_disconnected(self, _):
        if self.dropping:
            self.dropping = False
            self.connect(address=self.address)
            return
        emit('disconnected')
        if not self.finished.done():
            self.finished.set_result(None)

    def spawn(self, coroutine):
        task = self.loop.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def fail(self, reason):
        emit('error', id=None, error=reason)
        self.disconnect()

    async def on_start(self, _):
        await self.get_roster()
        self.send_presence()
        mech = self['feature_mechanisms'].mech
        emit('ready', jid=str(self.boundjid), mechanism=mech.name if mech else None, roster=roster_items(self))
        self.spawn(self.read_commands())

    def on_message(self, msg):
        if msg['mam_result']['id']:
            return  # archive results are answered by the mam command
        error = msg['error']['condition'] if msg['type'] == 'error' else None
        emit('message', **{'from': str(msg['from']), 'to': str(msg['to']), 'type': msg['type'],
                            'body': msg['body'], 'id': msg['id'], 'condition': error})

    def on_invite(self, msg):
        # Without a body an invitation is no 'message' event in slixmpp: the MUC plugin's own event.
        invite = msg['muc']['invite']
        emit('invite', **{'from': str(msg['from']), 'to': str(msg['to']), 'inviter': str(invite['from']),
                           'reason': invite['reason']})

    def on_presence(self, pres):
        room, nick = pres['from'].bare, pres['from'].resource
        if room in self.occupants:
            if pres['type'] == 'unavailable':
                self.occupants[room].discard(nick)
            else:
                self.occupants[room].add(nick)
            statuses = [s.get('code') for s in pres.xml.findall(f'{{{MUC_USER}}}x/{{{MUC_USER}}}status')]
            # The service may assign another nick (XEP-0045 §7.2.3, status 210): the room's 110 completes the join.
            join = self.joins.pop(room, None) if '110' in statuses or pres['type'] == 'error' else None
            if join and not join.done():
                join.set_result(pres)
        emit('presence', **{'from': str(pres['from']), 'to': str(pres['to']), 'type': pres['type'],
                             'show': pres['show'], 'status': pres['status']})

    def on_pep(self, msg):
        items = msg['pubsub_event']['items']
        # Not `for item in items`: a stanza's iteration is not reentrant, and slixmpp is iterating
        # these very items while it calls this handler.
        for item in list(items.iterables):
            fields = {'from': str(msg['from']), 'node': items['node'], 'itemId': item['id']}
            if item.name == 'retract':
                emit('pep', retracted=True, **fields)
            else:
                payload = next(iter(item.xml), None)
                emit('pep', payload=ET.tostring(payload, encoding='unicode') if payload is not None else None, **fields)

    async def read_commands(self):
        reader = asyncio.StreamReader()
        await self.loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = await reader.readline()
            if not line:
                self.disconnect()
                return
            if not line.strip():
                continue
            command = json.loads(line)
            self.spawn(self.run(command))

    async def run(self, c):
        try:
            emit('result', id=c.get('id'), **(await self.execute(c)))
        except slixmpp.exceptions.IqError as err:  # the server's error reply, with its conditions
            error = err.iq['error']
            app = [child.tag.split('}')[-1] for child in error.xml
                   if child.tag.startswith('{http://jabber.org/protocol/pubsub#errors}')]
            condition = ' '.join([error['condition'], *app])
            emit('error', id=c.get('id'), error=f"IqError: {condition}: {error['text']}", condition=condition)
        except Exception as err:  # reported to the driver, which fails the test with it
            emit('error', id=c.get('id'), error=f'{type(err).__name__}: {err}')

    async def execute(self, c):
        cmd = c['cmd']
        if cmd == 'roster':
            await self.get_roster()
            return {'roster': roster_items(self)}
        if cmd == 'message':
            self.send_message(mto=c['to'], mbody=c['body'], mtype=c.get('type', 'chat'))
            return {}
        if cmd == 'presence':
            self.send_presence(pto=c.get('to'), ptype=c.get('type'), pshow=c.get('show'), pstatus=c.get('status'))
            return {}
        if cmd == 'mam':
            iq = await self['xep_0313'].retrieve(with_jid=c.get('with'), rsm={'max': c.get('max', 50)})
            return {'messages': [
                {'from': str(m['mam_result']['forwarded']['stanza']['from']),
                 'to': str(m['mam_result']['forwarded']['stanza']['to']),
                 'body': m['mam_result']['forwarded']['stanza']['body']}
                for m in iq['mam']['results']
            ]}
        if cmd == 'join':
            occupant = f"{c['room']}/{c['nick']}"
            self.occupants[c['room']] = set()
            self.joins[c['room']] = self.loop.create_future()
            presence = self.make_presence(pto=occupant)
            x = ET.SubElement(presence.xml, f'{{{MUC}}}x')
            ET.SubElement(x, f'{{{MUC}}}history', {'maxstanzas': '0'})
            presence.send()
            own = await asyncio.wait_for(self.joins[c['room']], 20)
            if own['type'] == 'error':
                raise RuntimeError(f"join refused: {own['error']['condition']}")
            codes = [int(s.get('code')) for s in own.xml.findall(f'{{{MUC_USER}}}x/{{{MUC_USER}}}status')]
            return {'occupants': len(self.occupants[c['room']]), 'codes': codes}
        if cmd == 'configure':
            form = await self['xep_0045'].get_room_config(c['room'], timeout=20)
            offered = list(form.get_fields().keys())
            for var, value in c['fields'].items():
                form.set_values({**form.get_values(), var: value})
            await self['xep_0045'].set_room_config(c['room'], form, timeout=20)
            return {'fields': offered}
        if cmd == 'invite':
            self['xep_0045'].invite(c['room'], c['to'], c.get('reason', ''))
            return {}
        if cmd == 'groupchat':
            self.send_message(mto=c['room'], mbody=c['body'], mtype='groupchat')
            return {}
        if cmd == 'upload':
            return await self.upload(c['name'], c['content'].encode())
        if cmd == 'interest':
            for node in c['nodes']:
                self['xep_0030'].add_feature(f'{node}+notify')
            await self['xep_0115'].update_caps(broadcast=True)
            return {}
        if cmd == 'publish':
            options = None
            if c.get('options'):
                options = self['xep_0004'].make_form(ftype='submit')
                options.add_field(var='FORM_TYPE', ftype='hidden', value=PUBSUB + '#publish-options')
                for var, value in c['options'].items():
                    options.add_field(var=var, value=value)
            iq = await self['xep_0060'].publish(None, c['node'], id=c.get('itemId'), payload=ET.fromstring(c['payload']),
                                                options=options, timeout=20)
            return {'itemId': iq['pubsub']['publish']['item']['id']}
        if cmd == 'items':
            iq = await self['xep_0060'].get_items(c['jid'], c['node'], timeout=20)
            return {'items': [
                {'id': item['id'], 'payload': ET.tostring(next(iter(item.xml)), encoding='unicode')}
                for item in iq['pubsub']['items']
            ]}
        if cmd == 'retract':
            await self['xep_0060'].retract(None, c['node'], c['itemId'], notify=True, timeout=20)
            return {}
        if cmd == 'drop':
            # As a phone that lost its network: no closing stream, so the server keeps the session
            # for resumption (XEP-0198); the plugin resumes it when the client connects again.
            outcome = self.loop.create_future()
            settle = lambda value: outcome.done() or outcome.set_result(value)
            self.add_event_handler('session_resumed', lambda _: settle(True), disposable=True)
            self.add_event_handler('sm_failed', lambda _: settle(False), disposable=True)
            self.dropping = True
            self.abort()
            return {'resumed': await asyncio.wait_for(outcome, 30)}
        if cmd == 'quit':
            self.disconnect()
            return {}
        raise ValueError(f'unknown command {cmd}')

    async def upload_service(self):
        items = await self['xep_0030'].get_items(jid=self.boundjid.domain, timeout=20)
        for item in items['disco_items']['items']:
            info = await self['xep_0030'].get_info(jid=item[0], timeout=20)
            if UPLOAD in info['disco_info']['features']:
                return item[0]
        raise RuntimeError('no XEP-0363 upload service')

    async def upload(self, name, content):
        iq = self.make_iq_get(ito=await self.upload_service())
        request = ET.Element(f'{{{UPLOAD}}}request',
                             {'filename': name, 'size': str(len(content)), 'content-type': 'text/plain'})
        iq.append(request)
        answer = await iq.send(timeout=20)
        slot = answer.xml.find(f'{{{UPLOAD}}}slot')
        put = slot.find(f'{{{UPLOAD}}}put').get('url')
        get = slot.find(f'{{{UPLOAD}}}get').get('url')
        headers = {'Content-Type': 'text/plain'}
        for header in slot.findall(f'{{{UPLOAD}}}put/{{{UPLOAD}}}header'):
            headers[header.get('name')] = header.text
        request = urllib.request.Request(put, data=content, method='PUT', headers=headers)
        status = await self.loop.run_in_executor(None, lambda: urllib.request.urlopen(request, timeout=20).status)
        body = await self.loop.run_in_executor(None, lambda: urllib.request.urlopen(get, timeout=20).read())
        if body != content:
            raise RuntimeError(f'GET {get} returned {len(body)} bytes, not what was PUT')
        return {'put': put, 'get': get, 'status': status}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--host', default='')
    parser.add_argument('--port', type=int, default=5222)
    parser.add_argument('--mechanism', default=None)
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, stream=sys.stderr)
    client = Client(args)
    client.connect(address=client.address)
    asyncio.get_event_loop().run_until_complete(client.finished)


if __name__ == '__main__':
    main()
