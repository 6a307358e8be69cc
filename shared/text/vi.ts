// Every sentence a person reads, in one place (this file and shared/text/vi/),
// so another language can be added by writing the same tables with the same keys.

import { adminText } from './vi/admin.js';
import { boardText } from './vi/board.js';
import { clockText } from './vi/clock.js';
import { common } from './vi/common.js';
import { consoleText } from './vi/console.js';
import { guideAdminText, guideText } from './vi/guide.js';
import { reportsText } from './vi/reports.js';
import { ticketText } from './vi/ticket.js';

export const refusalText = {
  unknown_procedure: 'Không có thủ tục "{procedureId}".',
  procedure_inactive: 'Thủ tục "{name}" đang tạm ngừng nhận hồ sơ.',
  unknown_priority: 'Không có đối tượng ưu tiên "{priority}".',
  range_exhausted: 'Đã hết số thứ tự của dãy {prefix}{start}–{prefix}{end} trong ngày; hãy mở rộng dãy số.',
  unknown_counter: 'Không có quầy số {counterId}.',
  counter_not_open: '{counterName} đang {state}: hãy mở quầy trước khi gọi số.',
  counter_no_officer: '{counterName} chưa có cán bộ nhận quầy: hãy nhận quầy trước khi {state} quầy.',
  counter_not_yours:
    '{counterName} đang do cán bộ {officer} phụ trách: chỉ cán bộ đó rời quầy được (quản trị viên có thể đóng quầy).',
  officer_busy_elsewhere:
    'Bạn đang có số {display} tại {counterName}: hãy kết thúc, đánh dấu vắng mặt hoặc chuyển số này trước khi sang quầy khác.',
  counter_busy:
    '{counterName} đang có số {display}: hãy kết thúc, đánh dấu vắng mặt hoặc chuyển số này trước.',
  queue_empty: 'Không còn công dân chờ cho các thủ tục {counterName} phục vụ.',
  unknown_ticket: 'Không tìm thấy số {display} trong ngày.',
  ticket_not_callable: 'Số {display} đang ở trạng thái "{status}", không gọi được.',
  no_current_ticket: '{counterName} chưa có số nào đang được gọi hoặc phục vụ.',
  ticket_not_called: 'Số {display} chưa được gọi tới {counterName}.',
  ticket_not_serving: 'Số {display} không đang được phục vụ tại {counterName}.',
  ticket_not_at_counter: 'Số {display} không thuộc {counterName}.',
  transfer_target_closed: '{counterName} đang đóng, không chuyển số tới được.',
  transfer_nothing: 'Hãy chọn quầy hoặc thủ tục để chuyển tới.',
  transfer_same_counter: 'Số {display} đã ở {counterName}.',
} as const;

export type RefusalCode = keyof typeof refusalText;

export const counterStateText = {
  open: 'mở',
  paused: 'tạm dừng',
  closed: 'đóng',
} as const;

export const ticketStatusText = {
  waiting: 'đang chờ',
  called: 'đã gọi',
  serving: 'đang phục vụ',
  done: 'đã xong',
  no_show: 'vắng mặt',
  cancelled: 'đã huỷ',
} as const;

/** Fills "{name}" placeholders; an unknown placeholder is left visible rather than hidden. */
export function fillText(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

/**
 * Texts of the web pages, one table per page. The shared tables are
 * /assets/text.js (every page loads it through common.js); a page with a
 * large table of its own loads it as /assets/text-<page>.js and adds it to
 * `T`, so the citizens' pages (board, ticket lookup, guide screen) do not
 * download the administration's words.
 */
export const uiTextModules = {
  text: {
    common,
    refusal: refusalText,
    counterState: counterStateText,
    ticketStatus: ticketStatusText,
    board: boardText,
    ticket: ticketText,
    clock: clockText,
  },
  'text-admin': { admin: adminText, guideAdmin: guideAdminText },
  'text-console': { console: consoleText },
  'text-reports': { reports: reportsText },
  'text-guide': { guide: guideText },
};

/** Every table together. */
export const uiText = {
  ...uiTextModules.text,
  ...uiTextModules['text-admin'],
  ...uiTextModules['text-console'],
  ...uiTextModules['text-reports'],
  ...uiTextModules['text-guide'],
};
