import { VoiceRoom } from '../components/voice-room';

export default function Home() {
  return (
    <main>
      <header>
        <h1>Voice agent</h1>
        <p className="muted">Join a room with your microphone; the agent joins it too.</p>
      </header>
      <VoiceRoom defaultRoom="lobby" />
    </main>
  );
}
