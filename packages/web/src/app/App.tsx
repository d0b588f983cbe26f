import { useEffect, useState } from 'react';
import { SignIn } from '../features/auth/SignIn';
import { useStore } from '../lib/store';
import { Shell } from './Shell';
import { Services, ServicesContext } from './services';
import { authStore, type Session } from './session';

export function App() {
  const auth = useStore(authStore, (s) => s);
  if (auth.status === 'signed-out') return <SignIn notice={auth.notice} />;
  return <SignedIn key={auth.session.user.id} session={auth.session} />;
}

function SignedIn({ session }: { session: Session }) {
  const [services] = useState(() => new Services(session));
  useEffect(() => services.start(), [services]);
  return (
    <ServicesContext.Provider value={services}>
      <Shell />
    </ServicesContext.Provider>
  );
}
