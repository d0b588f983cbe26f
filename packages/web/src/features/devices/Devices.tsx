import type { Device, ParleyClient } from '@parley/api';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useServices } from '../../app/services';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { ActionStatus, CopyButton, ErrorScope, Field, useAction, useWhen } from '../admin/ui';
import { ConfirmDialog } from '../chat/ConfirmDialog';

/** Whose devices a list shows: the signed-in user's own, or (for admins) one user's of the tenant. */
export type DeviceOwner = { kind: 'me' } | { kind: 'user'; userId: string };

/** The four device requests for an owner, through the typed API client. */
function deviceApi(api: ParleyClient, owner: DeviceOwner) {
  if (owner.kind === 'me')
    return {
      list: () => api.request('me.devices.list', {}),
      create: (name: string) => api.request('me.devices.create', { body: { name } }),
      rotate: (id: string) => api.request('me.devices.rotate', { params: { id } }),
      remove: (id: string) => api.request('me.devices.delete', { params: { id } }),
    };
  const id = owner.userId;
  return {
    list: () => api.request('admin.users.devices.list', { params: { id } }),
    create: (name: string) => api.request('admin.users.devices.create', { params: { id }, body: { name } }),
    rotate: (deviceId: string) => api.request('admin.users.devices.rotate', { params: { id, deviceId } }),
    remove: (deviceId: string) => api.request('admin.users.devices.delete', { params: { id, deviceId } }),
  };
}

type Loaded = { status: 'loading' } | { status: 'ready'; devices: Device[] } | { status: 'failed'; error: unknown };

/** A password the server generated, with the device it is for: shown once, then forgotten. */
interface Secret {
  device: Device;
  password: string;
}

/**
 * SIP devices (desk phones, softphones): each with its own generated password, never the login
 * password. Lists them, adds one, gives one a new password, removes one. A generated password is
 * shown once, with what the phone needs; it lives in this component's state only and is dropped
 * when its panel is closed.
 */
export function Devices({ owner }: { owner: DeviceOwner }) {
  const { api } = useServices();
  const { t } = useI18n();
  const when = useWhen();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [state, run, reset] = useAction();
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<Secret | null>(null);
  const [asking, setAsking] = useState<{ kind: 'rotate' | 'remove'; device: Device } | null>(null);
  const calls = deviceApi(api, owner);
  const ownerKey = owner.kind === 'me' ? 'me' : owner.userId;
  const titleId = useId();
  const nameInput = useRef<HTMLInputElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `calls` is rebuilt from `api` and the owner
  useEffect(() => {
    let live = true;
    setLoaded({ status: 'loading' });
    calls.list().then(
      ({ devices }) => live && setLoaded({ status: 'ready', devices }),
      (error) => live && setLoaded({ status: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, [api, ownerKey]);

  const devices = loaded.status === 'ready' ? loaded.devices : [];
  const replace = (device: Device) =>
    setLoaded({ status: 'ready', devices: devices.map((d) => (d.id === device.id ? device : d)) });

  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await calls.create(name.trim());
      setLoaded({ status: 'ready', devices: [...devices, created.device] });
      setName('');
      setSecret(created);
    });
  };

  const confirmed = () => {
    if (!asking) return;
    const { kind, device } = asking;
    if (kind === 'rotate')
      void run(async () => {
        const rotated = await calls.rotate(device.id);
        replace(rotated.device);
        setSecret(rotated);
      });
    else
      void run(
        async () => {
          await calls.remove(device.id);
          setLoaded({ status: 'ready', devices: devices.filter((d) => d.id !== device.id) });
          if (secret?.device.id === device.id) setSecret(null);
        },
        t('devices.removed', { name: device.name }),
      );
  };

  const busy = state.kind === 'busy';
  return (
    <section className="devices" aria-labelledby={titleId} data-testid="devices">
      <h3 id={titleId} className="group-title">
        {t('devices.title')}
      </h3>
      <p className="muted">{t('devices.intro')}</p>
      {loaded.status === 'loading' && <p className="muted">{t('app.loading')}</p>}
      {loaded.status === 'failed' && (
        <p className="form-status error" role="alert">
          {errorText(loaded.error, t)}
        </p>
      )}
      {loaded.status === 'ready' && devices.length === 0 && <p className="muted">{t('devices.none')}</p>}
      {devices.length > 0 && (
        <ul className="device-list" aria-label={t('devices.title')}>
          {devices.map((d) => (
            <li key={d.id} className="device" data-device={d.username}>
              <strong className="device-name">{d.name}</strong>
              <dl className="facts">
                <dt>{t('devices.username')}</dt>
                <dd className="break">{d.username}</dd>
                <dt>{t('devices.server')}</dt>
                <dd className="break">{d.realm}</dd>
                <dt>{t('devices.created')}</dt>
                <dd>{when(d.createdAt)}</dd>
                <dt>{t('devices.rotated')}</dt>
                <dd>{when(d.rotatedAt)}</dd>
              </dl>
              <div className="actions">
                <button
                  type="button"
                  disabled={busy}
                  aria-label={t('devices.rotateOf', { name: d.name })}
                  onClick={() => setAsking({ kind: 'rotate', device: d })}
                >
                  {t('devices.rotate')}
                </button>
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  aria-label={t('devices.removeOf', { name: d.name })}
                  onClick={() => setAsking({ kind: 'remove', device: d })}
                >
                  {t('devices.remove')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {secret && (
        <OneTimeSecret
          secret={secret}
          close={() => {
            setSecret(null);
            reset();
            // The panel had the focus: it goes on to the next thing to do, not to the page's start.
            nameInput.current?.focus();
          }}
        />
      )}
      <ErrorScope state={state}>
        {loaded.status === 'ready' && (
          <form className="device-add" onSubmit={add} aria-label={t('devices.add')}>
            <Field name="name" label={t('devices.name')} hint={t('devices.nameHint')}>
              {(control) => (
                <input
                  ref={nameInput}
                  {...control}
                  required
                  maxLength={100}
                  autoComplete="off"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                />
              )}
            </Field>
            <div className="actions">
              <button type="submit" disabled={busy}>
                {t('devices.add')}
              </button>
            </div>
          </form>
        )}
        <ActionStatus state={state} testId="devices-status" />
      </ErrorScope>
      {asking && (
        <ConfirmDialog
          open
          title={t(asking.kind === 'remove' ? 'devices.removeTitle' : 'devices.rotateTitle')}
          confirm={t(asking.kind === 'remove' ? 'devices.remove' : 'devices.rotate')}
          onConfirm={confirmed}
          onClose={() => setAsking(null)}
        >
          {t(asking.kind === 'remove' ? 'devices.removeConfirm' : 'devices.rotateConfirm', {
            name: asking.device.name,
          })}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** What a phone needs to register, with the password shown this once; focused when it appears. */
function OneTimeSecret({ secret, close }: { secret: Secret; close: () => void }) {
  const { t } = useI18n();
  const panel = useRef<HTMLElement>(null);
  const titleId = useId();
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus again for each new password
  useEffect(() => {
    panel.current?.focus();
  }, [secret]);
  const { device, password } = secret;
  return (
    <section ref={panel} className="device-secret" aria-labelledby={titleId} tabIndex={-1} data-testid="device-secret">
      <h4 id={titleId}>{t('devices.secretTitle', { name: device.name })}</h4>
      <p className="device-secret-note">
        <strong>{t('devices.secretOnce')}</strong>
      </p>
      <dl className="facts">
        <CopyRow label={t('devices.server')} value={device.realm} />
        <CopyRow label={t('devices.username')} value={device.username} />
        <CopyRow label={t('devices.password')} value={password} testId="device-password" />
      </dl>
      <div className="actions">
        <button type="button" className="primary" onClick={close}>
          {t('devices.secretDone')}
        </button>
      </div>
    </section>
  );
}

/** One value of the one-time panel, with a button that copies it (named after what it copies). */
function CopyRow({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <>
      <dt>{label}</dt>
      <dd className="copy-row">
        <code data-testid={testId}>{value}</code>
        <CopyButton value={value} label={t('devices.copy', { what: label })} />
      </dd>
    </>
  );
}
