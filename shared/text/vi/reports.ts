// Words of the reports page (/reports), the report API's errors and the CSV
// export's column headings (the page and the CSV use the same headings).
export const reportsText = {
  title: 'Báo cáo',
  period: 'Thời gian',
  from: 'Từ ngày',
  to: 'Đến ngày',
  target: 'Mục tiêu thời gian chờ (phút)',
  show: 'Xem báo cáo',
  today: 'Hôm nay',
  last7Days: '7 ngày qua',
  thisMonth: 'Tháng này',
  signOut: 'Đăng xuất',
  console: 'Bàn làm việc tại quầy',
  admin: 'Quản trị',
  heading: 'Báo cáo từ {from} đến {to}',
  headingOneDay: 'Báo cáo ngày {from}',
  targetNote: 'Mục tiêu: gọi trong vòng {target} phút',
  download: 'Tải CSV',
  profileDownload: 'Tải hồ sơ cho bộ mô phỏng (JSON)',
  profileNote:
    'Lượng người đến theo giờ, thời gian phục vụ và tỷ lệ vắng mặt của khoảng thời gian này, để bộ mô phỏng tính số quầy cần bố trí (npm run simulate -- --profile <tệp> --plan).',
  empty: 'Không có số liệu trong khoảng thời gian này.',
  adminOnly: 'Chỉ tài khoản quản trị được xem báo cáo.',

  // Summary tiles (totals of the period).
  tiles: {
    issued: 'Số phiếu đã cấp',
    served: 'Đã phục vụ',
    noShows: 'Vắng mặt',
    averageWait: 'Chờ trung bình',
    overTarget: 'Chờ quá mục tiêu',
    averageScore: 'Điểm hài lòng trung bình',
  },

  tables: {
    procedure: 'Theo thủ tục',
    counter: 'Theo quầy',
    officer: 'Theo cán bộ',
  },

  charts: {
    hours: 'Số phiếu cấp theo giờ trong ngày',
    hoursAxis: 'giờ',
    waits: 'Phân bố thời gian chờ (phút)',
    tickets: 'phiếu',
  },

  /** Column headings; "{target}" is the target in minutes, "{level}" a satisfaction level. */
  columns: {
    procedure: 'Thủ tục',
    field: 'Lĩnh vực',
    counter: 'Quầy',
    officer: 'Cán bộ',
    username: 'Tên đăng nhập',
    issued: 'Số phiếu cấp',
    called: 'Đã gọi',
    served: 'Đã phục vụ',
    noShows: 'Vắng mặt',
    transferred: 'Chuyển đi',
    averageWait: 'Chờ TB',
    maxWait: 'Chờ tối đa',
    averageService: 'Phục vụ TB',
    overTarget: 'Chờ quá {target} phút',
    ballots: 'Phiếu đánh giá',
    scoreSum: 'Tổng điểm',
    averageScore: 'Điểm TB',
    // The CSV splits what the page shows in one cell and names the unit.
    averageWaitSeconds: 'Chờ trung bình (giây)',
    maxWaitSeconds: 'Chờ tối đa (giây)',
    averageServiceSeconds: 'Phục vụ trung bình (giây)',
    overTargetCount: 'Chờ quá {target} phút (phiếu)',
    overTargetPercent: 'Chờ quá {target} phút (%)',
    levelCount: '{level} (phiếu)',
    levelPercent: '{level} (%)',
  },

  total: 'Tổng cộng',
  unknownOfficer: 'Không rõ cán bộ',

  /** How the numbers are counted, shown under the tables. */
  notes: [
    'Thời gian ghi dạng phút:giây (giờ:phút:giây khi từ một giờ trở lên); "—": không có số liệu để tính.',
    'Thời gian chờ: từ lúc lấy số đến lần gọi đầu tiên, tính cho các phiếu đã được gọi; ở bảng theo quầy và theo cán bộ, thời gian chờ thuộc về quầy và cán bộ gọi lần đầu.',
    'Chờ quá mục tiêu: số phiếu chờ lâu hơn mục tiêu và tỷ lệ trên số phiếu có thời gian chờ.',
    'Phiếu được chuyển: lượt đầu thuộc quầy chuyển đi (cột "Chuyển đi"), lượt sau thuộc quầy nhận.',
    'Thời gian phục vụ: từ lúc bắt đầu đến lúc kết thúc phục vụ, cho các phiếu đã phục vụ xong.',
  ],
  /** "{levels}" lists the active scale, e.g. "Rất hài lòng 2, Hài lòng 1, Không hài lòng 0". */
  scoresNote: 'Điểm mỗi phiếu đánh giá (Thông tư 01/2018/TT-VPCP): {levels}.',

  errors: {
    badDate: '{name} "{value}" không phải ngày hợp lệ; hãy dùng dạng NNNN-TT-NN, ví dụ 2026-11-30.',
    fromAfterTo: 'Ngày bắt đầu ({from}) phải trước hoặc bằng ngày kết thúc ({to}).',
    tooLong: 'Khoảng thời gian dài {days} ngày; mỗi báo cáo tối đa {max} ngày.',
    badTarget: 'Mục tiêu thời gian chờ "{value}" không hợp lệ; hãy nhập số phút nguyên từ 1 đến {max}.',
    badGroup:
      'Nhóm "{value}" không hợp lệ; hãy chọn procedure (thủ tục), counter (quầy) hoặc officer (cán bộ).',
  },
  /** Parameter names in error messages. */
  params: { from: 'Ngày bắt đầu', to: 'Ngày kết thúc' },
} as const;
