// Words every page uses.
export const common = {
  appName: 'Hệ thống xếp hàng tự động',
  signIn: 'Đăng nhập',
  signOut: 'Đăng xuất',
  username: 'Tên đăng nhập',
  password: 'Mật khẩu',
  offline: 'Mất kết nối tới máy chủ, đang kết nối lại…',
  online: 'Đã kết nối',
  counter: 'Quầy',
  number: 'Số',
  waiting: 'Đang chờ',
  minutes: 'phút',
  save: 'Lưu',
  cancel: 'Huỷ',
  loading: 'Đang tải…',
  error: 'Lỗi',
} as const;
