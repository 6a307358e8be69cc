// Words of the waiting-room display board (/board).
export const boardText = {
  title: 'Bảng gọi số thứ tự',
  nowServing: 'Đang phục vụ',
  lastCalls: 'Số vừa gọi',
  waiting: 'Số người đang chờ',
  noCalls: 'Chưa có số nào được gọi',
  noCounters: 'Chưa có quầy nào mở',
  idle: 'Sẵn sàng',
  paused: 'Tạm dừng',
  /** An open counter nobody sits at: it does not serve. */
  noOfficer: 'Chưa có cán bộ',
  recall: 'gọi lại',
  /** The latest call, shown in large letters under the counters. */
  invite: 'Xin mời công dân có số {display} đến {counterName}',
  welcome: 'Xin mời công dân lấy số tại máy và chờ đến lượt',
  online: 'Đang cập nhật',
  offline: 'Mất kết nối, đang kết nối lại…',
  people: 'người',
} as const;
