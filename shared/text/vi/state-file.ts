// A device's state file found damaged at start (shared/storage/json-state-file.ts),
// as shown to staff in the device list on the hub.

export const stateFileFaultText = {
  empty: 'Tệp {file} rỗng (mất điện?): dữ liệu trong tệp đã mất, thiết bị chạy tiếp với tệp mới',
  damaged: 'Tệp {file} bị hỏng: khôi phục {recovered} mục, mất {lost} mục; bản hỏng lưu ở {keptAs}',
  foreign: 'Tệp {file} là của thiết bị khác nên không dùng; đã chuyển sang {keptAs}',
  unreadable: 'Không đọc được tệp {file} (lỗi thẻ nhớ?): thiết bị chạy tiếp với tệp mới',
} as const;
