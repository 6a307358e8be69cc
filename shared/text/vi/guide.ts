// The touch-screen procedure guide (/guide): the page's words, the words of
// its editor on the administration page, and why the hub refuses a card.

/** The guide page, read by citizens on a large touch screen. */
export const guideText = {
  title: 'Tra cứu thủ tục hành chính',
  home: 'Trang đầu',
  back: 'Quay lại',
  textSize: 'Cỡ chữ',
  textSizeHint: 'Bấm để phóng to chữ',
  searchPlaceholder: 'Tìm thủ tục, ví dụ: can cuoc, dang ky xe',
  searchHint: 'Gõ có dấu hoặc không dấu đều được',
  clear: 'Xoá',
  keyboardHide: 'Ẩn bàn phím',
  keyboardSpace: 'Dấu cách',
  keyboardTones: 'Dấu thanh',
  chooseField: 'Chọn lĩnh vực',
  procedureCount: '{count} thủ tục',
  results: 'Kết quả tìm kiếm cho "{query}"',
  noResults: 'Không tìm thấy thủ tục phù hợp với "{query}". Hãy thử từ khác hoặc chọn lĩnh vực.',
  waitingShort: 'Đang chờ: {count}',
  line: 'Hàng chờ hiện tại',
  ahead: 'Người chờ trước bạn',
  wait: 'Thời gian chờ dự kiến',
  aboutMinutes: 'khoảng {minutes} phút',
  aboutHours: 'khoảng {hours} giờ {minutes} phút',
  soon: 'sắp đến lượt',
  noOpenCounter: 'chưa có quầy mở',
  lineUnknown: 'đang cập nhật',
  where: 'Nơi giải quyết',
  counterStates: { open: 'đang mở', paused: 'tạm dừng', closed: 'đóng' } as Record<string, string>,
  noCounter: 'Chưa có quầy phục vụ thủ tục này; vui lòng hỏi cán bộ hướng dẫn.',
  documents: 'Thành phần hồ sơ cần mang theo',
  noDocuments: 'Không phải nộp giấy tờ.',
  fee: 'Lệ phí',
  timeLimit: 'Thời hạn giải quyết',
  legalBasis: 'Căn cứ pháp lý',
  notes: 'Lưu ý',
  online: 'Nộp hồ sơ trực tuyến',
  onlineHint: 'Quét mã QR bằng điện thoại để mở thủ tục này trên Cổng Dịch vụ công quốc gia.',
  noCard: 'Hướng dẫn chi tiết của thủ tục này đang được cập nhật; vui lòng hỏi cán bộ tại quầy.',
  checkedOn: 'Thông tin được cơ quan kiểm tra ngày {date}.',
  sample: 'Thông tin tham khảo, cơ quan đang kiểm tra lại.',
  take: 'Lấy số thứ tự',
  takeHint: 'Phiếu in ra ở khe máy in bên dưới màn hình.',
  withDocuments: 'In kèm danh sách giấy tờ',
  printing: 'Đang in phiếu…',
  yourNumber: 'Số thứ tự của bạn',
  takeTicket: 'Mời bạn nhận phiếu ở khe máy in.',
  printedDocuments: 'Danh sách giấy tờ cần mang theo được in ở cuối phiếu.',
  printedOffline: 'Phiếu in khi tạm mất kết nối máy chủ; số của bạn vẫn được giữ.',
  close: 'Đóng',
  notPrinted: 'Chưa in được phiếu',
  askStaff: 'Vui lòng báo cán bộ hướng dẫn để được hỗ trợ.',
  printerProblem: 'Máy in đang gặp sự cố: {reason}',
  printerStates: {
    paper_out: 'hết giấy',
    cover_open: 'nắp máy in đang mở',
    offline: 'máy in không phản hồi',
    error: 'máy in báo lỗi',
  } as Record<string, string>,
  kioskAway: 'Màn hình này tạm thời không lấy số được; vui lòng lấy số ở máy lấy số.',
  hubAway: 'Đang kết nối lại máy chủ; thông tin hàng chờ có thể chưa mới nhất.',
  updatedAt: 'Cập nhật lúc {time}',
  idleNote: 'Màn hình tự về trang đầu sau {seconds} giây không thao tác.',
} as const;

/** The guide cards on the administration page (the "Hướng dẫn thủ tục" tab). */
export const guideAdminText = {
  tab: 'Hướng dẫn thủ tục',
  intro:
    'Nội dung hiện trên màn hình tra cứu thủ tục và in kèm phiếu số. Chỉ là chữ (không định dạng, không mã HTML). Hãy đối chiếu với văn bản hiện hành và ghi ngày kiểm tra.',
  columns: { name: 'Thủ tục', state: 'Nội dung', checked: 'Kiểm tra lần cuối' },
  none: 'chưa có',
  sample: 'Mẫu – cần kiểm tra',
  own: 'của cơ quan',
  notChecked: 'chưa ghi',
  edit: 'Sửa',
  write: 'Soạn',
  editTitle: 'Hướng dẫn: {name}',
  documents: 'Thành phần hồ sơ',
  documentName: 'Tên giấy tờ',
  originals: 'Bản chính',
  copies: 'Bản sao',
  documentNote: 'Ghi chú',
  addDocument: '+ Thêm giấy tờ',
  remove: 'Bỏ',
  up: 'Lên',
  fee: 'Lệ phí',
  timeLimit: 'Thời hạn giải quyết',
  legalBasis: 'Căn cứ pháp lý (mỗi văn bản một dòng)',
  onlineUrl: 'Trang thủ tục trên Cổng Dịch vụ công (https://…gov.vn/…)',
  onlineUrlHint:
    'Mở thủ tục trên dichvucong.gov.vn và chép địa chỉ trang (dạng …dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=…). Màn hình hiện địa chỉ này dưới dạng mã QR.',
  notes: 'Lưu ý cho công dân',
  keywords: 'Từ khoá tìm kiếm thêm (cách nhau bằng dấu phẩy), ví dụ: cccd, bang lai',
  checkedOn: 'Ngày kiểm tra nội dung',
  checkedToday: 'Hôm nay',
  saved: 'Đã lưu hướng dẫn "{name}"; màn hình tra cứu cập nhật ngay.',
  removed: 'Đã xoá hướng dẫn "{name}".',
  removeCard: 'Xoá hướng dẫn',
  removeConfirm: 'Bấm lần nữa để xoá',
  preview: 'Xem trước',
} as const;

/** Why the hub refused a card (HTTP 400 with these codes); "{name}" placeholders are filled in. */
export const guideRefusalText = {
  unknown_procedure: 'Không có thủ tục "{procedureId}".',
  bad_text: '{what}: dài tối đa {max} ký tự.',
  empty_document: 'Giấy tờ số {index}: hãy ghi tên giấy tờ.',
  bad_copies: 'Giấy tờ số {index}: số bản chính và bản sao là số nguyên từ 0 đến {max}.',
  too_many: '{what}: tối đa {max} mục.',
  bad_url:
    'Địa chỉ trực tuyến phải là trang https của Cổng Dịch vụ công (tên miền dichvucong.gov.vn hoặc một tên miền .gov.vn), ví dụ https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=…',
  bad_date: 'Ngày kiểm tra "{date}" không hợp lệ: chọn một ngày từ năm 2000 đến hôm nay.',
  no_card: 'Thủ tục "{procedureId}" chưa có hướng dẫn.',
  no_online_url: 'Thủ tục "{procedureId}" chưa có địa chỉ trực tuyến.',
} as const;

export type GuideRefusalCode = keyof typeof guideRefusalText;

/** How many of a document to bring, as the page shows and the ticket prints it. */
export const guideCopyText = {
  originals: '{count} bản chính',
  copies: '{count} bản sao',
} as const;

/** What each part of a card is called in the refusals above. */
export const guidePartText = {
  name: 'Tên giấy tờ',
  note: 'Ghi chú giấy tờ',
  documents: 'Thành phần hồ sơ',
  fee: 'Lệ phí',
  timeLimit: 'Thời hạn giải quyết',
  legalBasis: 'Căn cứ pháp lý',
  notes: 'Lưu ý',
  keywords: 'Từ khoá',
  onlineUrl: 'Địa chỉ trực tuyến',
} as const;
