import { randomBytes } from 'node:crypto';
import type { DeadLetterInput } from '@pulseboard/protocol';

/**
 * Failed jobs as each simulated queue's workers would leave them in a
 * dead-letter queue: the errors their libraries really throw, with stacks
 * through their frames, and the job data that failed.
 */

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const int = (min: number, max: number) => Math.floor(min + Math.random() * (max - min));

interface Failure {
  name: string;
  error: () => { message: string; frames: string[] };
  payload: () => unknown;
}

const FAILURES: Record<string, Failure[]> = {
  email: [
    {
      name: 'send-welcome-email',
      error: () => ({
        message: 'Error: Message failed: 421 4.7.0 Try again later, closing connection (smtp-relay.internal)',
        frames: [
          'at SMTPConnection._formatError (/app/node_modules/nodemailer/lib/smtp-connection/index.js:798:19)',
          'at SMTPConnection._actionSMTPStream (/app/node_modules/nodemailer/lib/smtp-connection/index.js:1735:34)',
          'at SMTPConnection._processResponse (/app/node_modules/nodemailer/lib/smtp-connection/index.js:969:20)',
          'at Mailer.send (/app/src/mail/mailer.ts:88:11)',
          'at processJob (/app/src/workers/email.ts:41:5)',
        ],
      }),
      payload: () => ({
        to: `user${int(1000, 9999)}@example.com`,
        template: 'welcome',
        locale: pick(['en', 'de', 'fr']),
      }),
    },
  ],
  images: [
    {
      name: 'resize-upload',
      error: () => ({
        message: 'Error: Input buffer contains unsupported image format',
        frames: [
          'at Sharp.toBuffer (/app/node_modules/sharp/lib/output.js:163:17)',
          'at resizeVariant (/app/src/images/resize.ts:52:8)',
          'at async Promise.all (index 2)',
          'at async processJob (/app/src/workers/images.ts:30:21)',
        ],
      }),
      payload: () => ({
        upload: `uploads/${hex(12)}.heic`,
        variants: [320, 960, 1920],
        bytes: int(200_000, 9_000_000),
      }),
    },
  ],
  billing: [
    {
      name: 'sync-invoice',
      error: () => {
        const invoice = `INV-${int(10000, 99999)}`;
        return {
          message: `LedgerConflictError: invoice ${invoice} is already posted with a different amount`,
          frames: [
            'at LedgerClient.post (/app/src/billing/ledger-client.ts:117:13)',
            'at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
            'at async syncInvoice (/app/src/billing/sync.ts:64:3)',
            'at async processJob (/app/src/workers/billing.ts:22:5)',
          ],
        };
      },
      payload: () => ({
        invoice: `INV-${int(10000, 99999)}`,
        customer: `cus_${hex(7)}`,
        amount: { value: int(900, 250_000) / 100, currency: pick(['EUR', 'USD', 'GBP']) },
        lines: int(1, 12),
      }),
    },
  ],
  'search-index': [
    {
      name: 'index-products',
      error: () => ({
        message:
          'ResponseError: mapper_parsing_exception: failed to parse field [price] of type [float] in document with id',
        frames: [
          'at onBody (/app/node_modules/@elastic/transport/lib/Transport.js:568:27)',
          'at IncomingMessage.onEnd (/app/node_modules/@elastic/transport/lib/connection/HttpConnection.js:125:17)',
          'at bulkIndex (/app/src/search/indexer.ts:91:15)',
          'at async processJob (/app/src/workers/search.ts:18:3)',
        ],
      }),
      payload: () => ({
        index: 'products-v7',
        ids: Array.from({ length: 3 }, () => `sku-${int(10000, 99999)}`),
        price: 'N/A',
      }),
    },
  ],
  webhooks: [
    {
      name: 'deliver-webhook',
      error: () => {
        const host = pick(['acme', 'globex', 'initech']);
        return {
          message: `HTTPError: Response code ${pick([502, 503, 504])} from https://hooks.${host}.example/pulse`,
          frames: [
            'at Request._onResponseBase (/app/node_modules/got/dist/source/core/index.js:913:31)',
            'at Request._onResponse (/app/node_modules/got/dist/source/core/index.js:952:24)',
            'at deliver (/app/src/webhooks/dispatcher.ts:73:9)',
            'at async processJob (/app/src/workers/webhooks.ts:27:5)',
          ],
        };
      },
      payload: () => ({
        event: pick(['order.created', 'invoice.paid', 'user.updated']),
        id: `evt_${hex(10)}`,
        data: { order: `ord_${hex(6)}`, total: int(1000, 90_000) / 100 },
      }),
    },
  ],
  reports: [
    {
      name: 'build-report',
      error: () => ({
        message: 'QueryTimeoutError: canceling statement due to statement timeout (30000 ms)',
        frames: [
          'at Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:283:98)',
          'at Client.query (/app/node_modules/pg/lib/client.js:526:17)',
          'at buildMonthlyRevenue (/app/src/reports/revenue.ts:140:22)',
          'at async processJob (/app/src/workers/reports.ts:35:18)',
        ],
      }),
      payload: () => ({
        report: pick(['monthly revenue', 'churn', 'inventory']),
        format: pick(['CSV', 'PDF']),
        month: '2026-11',
      }),
    },
  ],
  push: [
    {
      name: 'send-push',
      error: () => ({
        message:
          'FirebaseMessagingError: Requested entity was not found. (messaging/registration-token-not-registered)',
        frames: [
          'at FirebaseMessagingError.fromServerError (/app/node_modules/firebase-admin/lib/utils/error.js:254:16)',
          'at sendPush (/app/src/push/fcm.ts:48:11)',
          'at async processJob (/app/src/workers/push.ts:19:3)',
        ],
      }),
      payload: () => ({ token: `${hex(16)}:APA91b${hex(20)}`, title: 'Your order has shipped', badge: 1 }),
    },
  ],
};

/** Job `id` of `queue` (any queue: an unknown one fails like a webhook), failed just now. */
export function failedJob(queue: string, id: number): DeadLetterInput {
  const failure = pick(FAILURES[queue] ?? (FAILURES.webhooks as Failure[]));
  const { message, frames } = failure.error();
  return {
    id: String(id),
    name: failure.name,
    failedAt: Date.now(),
    attempts: pick([3, 5, 5, 8]),
    error: { message, stack: [message, ...frames.map((frame) => `    ${frame}`)].join('\n') },
    payload: failure.payload(),
  };
}
