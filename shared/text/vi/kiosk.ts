// Words printed on a ticket by the kiosk (edge/kiosk/ticket-render.ts).
export const kioskText = {
  number: 'SỐ THỨ TỰ',
  field: 'Lĩnh vực',
  procedure: 'Thủ tục',
  priority: 'ƯU TIÊN',
  counters: 'Quầy phục vụ',
  counter: 'Quầy',
  ahead: 'Số người chờ trước bạn',
  aheadAbout: 'khoảng {count}',
  wait: 'Thời gian chờ dự kiến',
  aboutMinutes: 'khoảng {minutes} phút',
  aboutHours: 'khoảng {hours} giờ {minutes} phút',
  /** The estimate's likely range (hub/queue/estimate.ts waitRange). */
  rangeMinutes: 'khoảng {from}–{to} phút',
  rangeHours: 'khoảng {from}–{to} giờ',
  under: 'dưới {to} phút',
  soon: 'sắp đến lượt',
  noOpenCounter: 'chưa có quầy mở',
  unknown: 'đang cập nhật',
  issuedAt: 'Giờ lấy số',
  scan: 'Quét mã QR để theo dõi lượt của bạn',
  offline: 'Phiếu in khi mất kết nối với máy chủ: số người chờ là ước tính.',
  footer: 'Xin vui lòng chú ý loa gọi số và bảng hiển thị. Phiếu chỉ có giá trị trong ngày.',
} as const;

/** Faults the kiosk reports in its retained status (shown to staff on the hub). */
export const kioskFaultText = {
  paper_out: 'Máy in hết giấy',
  cover_open: 'Nắp máy in đang mở',
  offline: 'Máy in không phản hồi',
  error: 'Máy in báo lỗi',
  noNumber: 'Không kết nối được máy chủ và đã hết số dự phòng: không in được phiếu',
  printFailed: 'Không gửi được phiếu tới máy in',
} as const;
