// The example sender of docker-compose.yml: a stand-in for your application. It reads its
// SMTP settings from the environment, as an app would, and sends a few messages that meet
// the scenario's rules (one of them a magic recipient that Gmail's rate limit answers).
const nodemailer = require('nodemailer');

const transport = nodemailer.createTransport({
  host: process.env.SMTP_HOST || '127.0.0.1',
  port: Number(process.env.SMTP_PORT || 2525),
  secure: false,
  tls: { rejectUnauthorized: false },
});

const messages = [
  { to: 'alice@example.com', subject: 'Welcome' },
  { to: 'gmail.rate-limited-recipient@example.com', subject: 'This one meets 450 4.2.1' },
];

(async () => {
  let failed = 0;
  for (const m of messages) {
    try {
      const info = await transport.sendMail({ from: process.env.MAIL_FROM || 'app@example.com', text: 'Hello from the example sender.', ...m });
      console.log(`sent to ${m.to}: ${info.response}`);
    } catch (err) {
      failed++;
      console.log(`refused for ${m.to}: ${err.response || err.message}`);
    }
  }
  transport.close();
  // one refusal is expected: it is what mockmx is for
  process.exit(failed === 1 ? 0 : 1);
})();
