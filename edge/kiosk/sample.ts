// A sample ticket for the preview command, the docs and the tests: a long
// procedure name, a priority and several counters, so every part of the
// layout shows.

import { DEFAULT_SITE_NAME, DEFAULT_TIME_ZONE } from '../../shared/config/device-config.js';
import type { TicketDocument, TicketView } from './ticket-render.js';

export function sampleTicket(over: Partial<TicketView> = {}): TicketView {
  return {
    siteName: DEFAULT_SITE_NAME,
    display: '1023',
    fieldName: 'Căn cước',
    procedureName: 'Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên',
    priorityName: 'Người cao tuổi (từ 60 tuổi)',
    // 2025-11-28 09:30 in Hà Nội.
    issuedAt: Date.UTC(2025, 10, 28, 2, 30),
    timeZone: DEFAULT_TIME_ZONE,
    ahead: 4,
    estimatedWaitSeconds: 720,
    estimatedWait: { fromMinutes: 10, toMinutes: 15 },
    counters: [
      { id: 1, name: 'Quầy 1' },
      { id: 2, name: 'Quầy 2' },
    ],
    lookupUrl: 'http://hub.local:8080/t/9d2f6a1e-3b4c-4d5e-8f70-1a2b3c4d5e6f',
    offline: false,
    ...over,
  };
}

/** The documents to bring of the sample procedure, as the guide card lists them. */
export function sampleDocuments(): TicketDocument[] {
  return [
    {
      name: 'Tờ khai thu nhận thông tin căn cước (mẫu CC01)',
      copiesText: '1 bản chính',
      note: 'chỉ khi thông tin cần điều chỉnh',
    },
    { name: 'Giấy tờ chứng minh thông tin thay đổi', copiesText: '', note: 'xuất trình bản chính' },
  ];
}
