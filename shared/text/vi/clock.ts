// The hub's clock: the banner on the console and admin page while its time
// is not trusted, the confirmation, and its refusals.
export const clockText = {
  bannerTitle: 'Giờ của hệ thống chưa được xác nhận',
  bannerWhy: {
    not_synchronised:
      'Máy chủ chưa đồng bộ được giờ qua mạng và không có đồng hồ thời gian thực (thường gặp sau khi mất điện mà không có Internet).',
    rtc_implausible:
      'Đồng hồ thời gian thực của máy chủ báo giờ không hợp lý (có thể hết pin) và máy chủ chưa đồng bộ được giờ qua mạng.',
  },
  bannerKeepsWorking:
    'Số thứ tự vẫn được cấp bình thường; phiếu in lúc này không ghi giờ. Số đã cấp được giữ nguyên khi giờ được xác nhận.',
  hubTime: 'Giờ máy chủ đang dùng',
  yourTime: 'Giờ trên máy tính này',
  confirm: 'Xác nhận giờ trên máy tính này là đúng',
  confirmHint: 'Hãy so với đồng hồ của bạn trước khi xác nhận. Việc xác nhận được ghi vào nhật ký.',
  confirmed: 'Đã xác nhận giờ: {time}.',
  source: {
    ntp: 'Đồng bộ qua mạng (NTP)',
    rtc: 'Đồng hồ thời gian thực (RTC)',
    confirmed: 'Do {by} xác nhận',
    system: 'Đồng hồ hệ thống, chưa được xác nhận',
  },
  refusal: {
    clock_trusted: 'Giờ của hệ thống đã được đồng bộ ({source}); không cần xác nhận.',
    implausible_time: 'Giờ trên máy tính này ({time}) không hợp lý; hãy chỉnh lại giờ máy tính rồi thử lại.',
    before_last_event:
      'Giờ trên máy tính này ({time}) sớm hơn lần ghi cuối cùng của hệ thống ({last}); hãy kiểm tra lại giờ máy tính.',
  },
} as const;
