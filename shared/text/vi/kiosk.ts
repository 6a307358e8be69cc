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
  documentsTitle: 'GIẤY TỜ CẦN MANG THEO',
  documentsMore: '… và {count} giấy tờ khác: xem trên màn hình tra cứu.',
  documentsFooter: 'Theo hướng dẫn trên màn hình tra cứu thủ tục; cán bộ sẽ kiểm tra khi nhận hồ sơ.',
  /**
   * Two-syllable words a ticket line never splits (Vietnamese writes a word's
   * syllables apart, so the wrap cannot tell them from two words). Lower case.
   */
  keepTogether: [
    'bộ phận',
    'một cửa',
    'hiển thị',
    'giá trị',
    'căn cước',
    'cao tuổi',
    'lĩnh vực',
    'thủ tục',
    'phục vụ',
    'dự kiến',
    'cư trú',
    'công dân',
    'thông tin',
    'hộ chiếu',
    'xuất nhập',
    'nhập cảnh',
    'xuất cảnh',
    'giấy phép',
    'đăng ký',
    'lái xe',
    'thường trú',
    'tạm trú',
  ] as readonly string[],
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

/** What the kiosk's touch-screen endpoint answers (shown on the guide screen to the citizen). */
export const touchText = {
  busy: 'Máy đang in các phiếu khác; vui lòng chờ giây lát rồi bấm lại.',
  tooMany: 'Màn hình vừa in nhiều phiếu liên tiếp; vui lòng chờ {seconds} giây rồi bấm lại.',
  printer: '{fault}; vui lòng báo cán bộ hướng dẫn.',
  noNumber: 'Tạm thời không kết nối được máy chủ và đã hết số dự phòng; vui lòng báo cán bộ hướng dẫn.',
  printFailed: 'Đã cấp số {display} nhưng máy in không in được phiếu; vui lòng báo cán bộ hướng dẫn.',
  error: 'Máy lấy số gặp lỗi nên chưa in được phiếu; vui lòng báo cán bộ hướng dẫn.',
  badRequest: 'Yêu cầu lấy số không hợp lệ.',
  foreign: 'Yêu cầu từ trang khác bị từ chối.',
  notFound: 'Không có trang này.',
  hubAway: 'Không kết nối được máy chủ; vui lòng thử lại sau.',
  waitingTitle: 'Đang kết nối máy chủ…',
  waitingText:
    'Màn hình tra cứu sẽ tự mở khi kết nối được máy chủ. Nếu chờ lâu, vui lòng báo cán bộ hướng dẫn.',
} as const;
